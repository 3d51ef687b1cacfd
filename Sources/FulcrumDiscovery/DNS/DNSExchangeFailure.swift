import FulcrumDNS
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why one exchange with one server gave no answer. `description` reads as what the server did, to follow its
/// address in a failure report (`127.0.0.1:53 answered SERVFAIL`).
enum DNSExchangeFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// No answer came within `after`. `ignored`: why the last datagram that did come was not taken as the answer (a
    /// sentence, such as `DNSResponseError.idMismatch`'s).
    case timedOut(after: Duration, ignored: String?)
    /// An ICMP error came back (port unreachable: nothing listens there); Linux reports it on a connected UDP socket,
    /// or the TCP connect was refused.
    case refused
    /// The socket could not be opened, connected, written or read.
    case transport(String)
    /// The server answered with an error code.
    case errorResponse(DNSResponseCode)
    /// The server's answer cannot be used: a CNAME loop, a mismatched or malformed message over TCP, TC over TCP.
    case badResponse(String)
    /// The TCP connection closed before a whole message came.
    case closedBeforeAnswer
    /// The task that asked was cancelled.
    case cancelled

    var description: String {
        switch self {
        case .timedOut(let timeout, let ignored):
            let text = "did not answer within \(DNSExchangeFailure.text(timeout))"
            guard let ignored else { return text }
            return "\(text) (ignored a reply: \(ignored))"
        case .refused:
            return "refused the connection (nothing listens there)"
        case .transport(let detail):
            return "could not be reached: \(detail)"
        case .errorResponse(let code):
            return "answered \(code)"
        case .badResponse(let detail):
            return "sent an unusable answer: \(detail)"
        case .closedBeforeAnswer:
            return "closed the TCP connection before answering"
        case .cancelled:
            return "was not asked to the end (cancelled)"
        }
    }

    /// `2 s` or `500 ms`, as a person writes the timeout.
    private static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}

extension DNSExchangeFailure {
    /// The failure an error of NIO's on the exchange's socket stands for.
    init(socketError error: any Error) {
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            self.init(socketError: first.error)
        } else if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            self = .refused
        } else {
            self = .transport(String(describing: error))
        }
    }
}
