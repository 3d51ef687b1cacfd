import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// A call to an etcd member that did not give an answer the source can use, as a phrase for
/// `DiscoveryReport.failure`: "range: connection refused", "watch: HTTP 503 (etcdserver: no leader)",
/// "liveness check: timed out after 3 s", "watch: ended".
struct EtcdGatewayFailure: Error, Sendable, CustomStringConvertible {
    var operation: String
    var problem: String

    init(_ operation: String, _ problem: String) {
        self.operation = operation
        self.problem = problem
    }

    /// What `error`, thrown by async-http-client, NIO or `withTimeout` during `operation`, means to an operator.
    init(_ operation: String, _ error: any Error, timeout: Duration) {
        if let failure = error as? EtcdGatewayFailure {
            self = failure
        } else {
            self.init(operation, Self.problem(error, timeout: timeout))
        }
    }

    var description: String { "\(self.operation): \(self.problem)" }

    private static func problem(_ error: any Error, timeout: Duration) -> String {
        switch error {
        case is TimedOut:
            return "timed out after \(timeout.formattedSeconds)"
        case let error as HTTPClientError:
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out after \(timeout.formattedSeconds)"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "connection closed by etcd"
            case .invalidURL, .emptyHost, .emptyScheme: return "not a valid client URL"
            default: return "\(error)"
            }
        case let error as NIOConnectionError:
            // Every address of the host failed; the first one's reason is the usual single answer.
            if let first = error.connectionErrors.first { return Self.problem(first.error, timeout: timeout) }
            return error.dnsAError.map { "cannot resolve host (\($0))" } ?? "cannot connect"
        case let error as IOError:
            return Self.errnoPhrase(error.errnoCode)
        case ChannelError.connectTimeout:
            return "connect timed out"
        case is NewlineDelimitedMessages.MessageTooLong:
            return "malformed answer (a message longer than \(NewlineDelimitedMessages.standardMaximumLength) bytes)"
        default:
            return "\(error)"
        }
    }

    private static func errnoPhrase(_ code: Int32) -> String {
        switch code {
        case ECONNREFUSED: return "connection refused"
        case ECONNRESET: return "connection reset"
        case ETIMEDOUT: return "connect timed out"
        case EHOSTUNREACH, ENETUNREACH: return "no route to host"
        default: return String(cString: strerror(code)).lowercased()
        }
    }
}

extension Duration {
    /// "3 s", "250 ms": a timeout as a failure message names it.
    var formattedSeconds: String {
        let milliseconds = self.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
