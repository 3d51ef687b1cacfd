import Foundation
import FulcrumNet
import FulcrumTestSupport
import Synchronization

/// A stand-in for etcd's JSON gateway that answers each request as the test scripts it: for what a real etcd cannot
/// be made to do on cue (a compacted watch, an error answer, a malformed one, a stream that ends, a request that is
/// never answered). Speaks just enough HTTP/1.1 for async-http-client: keep-alive, Content-Length request bodies,
/// and chunked answers for watches.
final class ScriptedEtcdGateway: Sendable {
    struct Request: Sendable {
        var path: String
        var body: String
        /// A liveness check: a range with `count_only`.
        var isLivenessCheck: Bool { self.body.contains("count_only") }
    }

    enum Answer: Sendable {
        /// A whole answer.
        case reply(status: Int, body: String)
        /// A streamed 200 answer: these lines, then the end of the stream (`close`) or nothing more (`!close`).
        case stream(lines: [String], close: Bool)
        /// Nothing, ever: the request hangs until the client gives up.
        case silence
    }

    private let server: LoopbackServer
    private let log: RequestLog

    var url: String { "http://\(self.server.endpoint)" }
    /// Every request so far, in order of arrival.
    var requests: [Request] { self.log.requests }

    /// `answer` is called with each request and the number of earlier requests of the same kind (range, liveness
    /// check or watch).
    init(answer: @escaping @Sendable (Request, Int) -> Answer) throws {
        let log = RequestLog()
        self.log = log
        self.server = try LoopbackServer { socket in
            while let request = Self.readRequest(socket) {
                let earlier = log.record(request)
                guard Self.send(answer(request, earlier), on: socket) else { break }
            }
            socket.close()
        }
    }

    func stop() { self.server.stop() }

    /// The next request on the connection; `nil` when the client closed it.
    private static func readRequest(_ socket: TestSocket) -> Request? {
        var buffer: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        while headEnd == nil {
            guard let chunk = try? socket.receive(), !chunk.isEmpty else { return nil }
            buffer += chunk
            headEnd = buffer.indices.first { buffer[$0...].starts(with: separator) }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        var body = Array(buffer[(headEnd! + 4)...])
        let lines = head.components(separatedBy: "\r\n")
        let path = lines[0].split(separator: " ").dropFirst().first.map(String.init) ?? ""
        let length =
            lines.dropFirst().compactMap { line -> Int? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
                return Int(parts[1].trimmingCharacters(in: .whitespaces))
            }.first ?? 0
        while body.count < length {
            guard let chunk = try? socket.receive(), !chunk.isEmpty else { return nil }
            body += chunk
        }
        return Request(path: path, body: String(decoding: body, as: UTF8.self))
    }

    /// Sends `answer`; `false` when the connection is to end.
    private static func send(_ answer: Answer, on socket: TestSocket) -> Bool {
        switch answer {
        case .reply(let status, let body):
            let bytes = Array(body.utf8)
            let head =
                "HTTP/1.1 \(status) Scripted\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(bytes.count)\r\n\r\n"
            return (try? socket.send(Array(head.utf8) + bytes)) != nil
        case .stream(let lines, let close):
            var text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            for line in lines {
                text += String(line.utf8.count + 1, radix: 16) + "\r\n" + line + "\n\r\n"
            }
            if close { text += "0\r\n\r\n" }
            guard (try? socket.send(text)) != nil else { return false }
            if !close { Self.waitForClose(socket) }
            return false
        case .silence:
            Self.waitForClose(socket)
            return false
        }
    }

    /// Holds the connection until the client closes it (or the test ends and the server stops).
    private static func waitForClose(_ socket: TestSocket) {
        socket.setTimeout(.seconds(3600))
        while let chunk = try? socket.receive(), !chunk.isEmpty {}
    }
}

/// The requests a `ScriptedEtcdGateway` received.
private final class RequestLog: Sendable {
    private let state = Mutex<[ScriptedEtcdGateway.Request]>([])

    var requests: [ScriptedEtcdGateway.Request] { self.state.withLock { $0 } }

    /// Records `request`; returns how many of its kind came before.
    func record(_ request: ScriptedEtcdGateway.Request) -> Int {
        self.state.withLock { requests in
            let earlier = requests.count {
                $0.path == request.path && $0.isLivenessCheck == request.isLivenessCheck
            }
            requests.append(request)
            return earlier
        }
    }
}
