import FulcrumNet
import Foundation

/// A small HTTP/1.1 client for the admin server in tests: one request per connection (`Connection: close`), over a
/// `TestSocket`, so every request has a timeout and nothing depends on URLSession's behaviour on Linux.
public struct AdminClient: Sendable {
    public let endpoint: IPEndpoint
    /// Sent as `Authorization: Bearer <token>` when set.
    public var token: String?

    public init(endpoint: IPEndpoint, token: String? = nil) {
        self.endpoint = endpoint
        self.token = token
    }

    /// Sends one request; `path` may carry a query. Throws only on transport errors or an unreadable reply.
    public func request(
        _ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(10)
    ) throws -> HTTPReply {
        let socket = try TestSocket.connect(to: self.endpoint, timeout: timeout)
        defer { socket.close() }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(self.endpoint)\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let bodyBytes = Array((body ?? "").utf8)
        if body != nil || ["POST", "PATCH", "PUT"].contains(method) {
            head += "Content-Type: application/json\r\nContent-Length: \(bodyBytes.count)\r\n"
        }
        head += "\r\n"
        try socket.send(Array(head.utf8) + bodyBytes)
        return try HTTPReply.read(from: socket, bodyless: method == "HEAD")
    }

    public func get(_ path: String) throws -> HTTPReply { try self.request("GET", path) }
    /// The reply's `body` is every byte the server sent after the head, up to its close: empty if it kept to HEAD.
    public func head(_ path: String) throws -> HTTPReply { try self.request("HEAD", path) }
    public func post(_ path: String, _ body: String? = nil) throws -> HTTPReply {
        try self.request("POST", path, body: body)
    }
    public func patch(_ path: String, _ body: String, timeout: Duration = .seconds(10)) throws -> HTTPReply {
        try self.request("PATCH", path, body: body, timeout: timeout)
    }
    public func delete(_ path: String) throws -> HTTPReply { try self.request("DELETE", path) }

    /// `GET /api/v1/services/{name}` decoded; `nil` unless it answered 200 with an object.
    public func service(_ name: String) throws -> [String: Any]? {
        let reply = try self.get("/api/v1/services/\(name)")
        return reply.status == 200 ? reply.object : nil
    }

    /// The backend objects of a service (empty when the service is unknown).
    public func backends(of service: String) throws -> [[String: Any]] {
        (try self.service(service)?["backends"] as? [[String: Any]]) ?? []
    }

    /// Percent-encodes a backend address for a URL path (`[::1]:9002` → `%5B%3A%3A1%5D%3A9002`).
    public static func encode(_ address: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return address.addingPercentEncoding(withAllowedCharacters: allowed) ?? address
    }
}

/// One HTTP response.
public struct HTTPReply: Sendable {
    public let status: Int
    /// Header names lowercased.
    public let headers: [String: String]
    public let body: [UInt8]

    public var text: String { String(decoding: self.body, as: UTF8.self) }

    /// The body as JSON (`nil` if it is not JSON).
    public var json: Any? { try? JSONSerialization.jsonObject(with: Data(self.body), options: [.fragmentsAllowed]) }
    public var object: [String: Any]? { self.json as? [String: Any] }
    /// The `error` field of a JSON error body.
    public var error: String? { self.object?["error"] as? String }

    /// Reads one reply. `bodyless` (a reply to HEAD): its Content-Length describes the body a GET would get, so
    /// nothing is waited for; `body` is whatever arrives before the server closes (`Connection: close`).
    static func read(from socket: TestSocket, bodyless: Bool = false) throws -> HTTPReply {
        var buffer: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        while headerEnd == nil {
            let chunk = try socket.receive()
            if chunk.isEmpty { throw TestSocketError.endOfStream(received: buffer.count) }
            buffer += chunk
            headerEnd = Self.find(separator, in: buffer)
        }
        let headText = String(decoding: buffer[..<headerEnd!], as: UTF8.self)
        var rest = Array(buffer[(headerEnd! + 4)...])
        let lines = headText.components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ", maxSplits: 2)
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw HTTPReplyError(message: "bad status line: \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[line[..<colon].lowercased()] = value
        }
        let body: [UInt8]
        if bodyless {
            body = rest + (try socket.receiveToEnd())
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            while rest.count < length {
                let chunk = try socket.receive()
                if chunk.isEmpty { throw TestSocketError.endOfStream(received: rest.count) }
                rest += chunk
            }
            body = Array(rest.prefix(length))
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            rest += try socket.receiveToEnd()
            body = try Self.dechunk(rest)
        } else {
            body = rest + (try socket.receiveToEnd())
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var body: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard let lineEnd = Self.find(Array("\r\n".utf8), in: Array(bytes[index...])) else { break }
            let sizeText = String(decoding: bytes[index..<index + lineEnd], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";")[0], radix: 16) else {
                throw HTTPReplyError(message: "bad chunk size '\(sizeText)'")
            }
            index += lineEnd + 2
            if size == 0 { break }
            guard index + size <= bytes.count else { throw HTTPReplyError(message: "truncated chunk") }
            body += bytes[index..<index + size]
            index += size + 2
        }
        return body
    }
}

public struct HTTPReplyError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { self.message }
}
