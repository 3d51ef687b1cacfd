import FulcrumControl
import Hummingbird
import Logging
import NIOCore

/// Answers every admin request (SPEC §3): routes by path and method, checks the bearer token on mutating requests,
/// and turns the controller's answers and `AdminError`s into JSON responses.
struct AdminResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let api: AdminAPI

    /// Request bodies are small JSON objects; anything larger is refused with 413.
    static let maximumBodySize = 64 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        let response = try await self.respondWithBody(to: request)
        // HEAD gets what GET would get, status and headers (Content-Length of the body included), without the body
        // (SPEC §8.5; RFC 9110 §9.3.2). That holds for errors too: the encoder refuses body bytes for a HEAD.
        return request.method == .head ? response.createHeadResponse() : response
    }

    private func respondWithBody(to request: Request) async throws -> Response {
        guard let route = AdminRoute(path: request.uri.path) else {
            return AdminReply.error(.notFound, "no such endpoint: \(request.uri.path)")
        }
        guard let method = route.handlerMethod(for: request.method) else {
            var reply = AdminReply.error(
                .methodNotAllowed, "\(request.method.rawValue) is not allowed here; use \(Self.allowText(route))")
            reply.headers[.allow] = Self.allowText(route)
            return reply
        }
        if method != .get {
            if let denied = await self.checkToken(request) { return denied }
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: Self.maximumBodySize))
        } catch is NIOTooManyBytesError {
            return AdminReply.error(.contentTooLarge, "request body larger than \(Self.maximumBodySize) bytes")
        }
        do {
            return try await self.api.handle(route: route, method: method, query: request.uri, body: body)
        } catch let error as AdminError {
            return AdminReply.error(error)
        } catch let error as AdminRequestError {
            return AdminReply.error(.badRequest, error.message)
        }
    }

    private static func allowText(_ route: AdminRoute) -> String {
        route.allowedMethods.map(\.rawValue).joined(separator: ", ")
    }

    /// `nil` when the request may go on: no token is configured, or `Authorization: Bearer <token>` matches.
    private func checkToken(_ request: Request) async -> Response? {
        guard let token = await self.api.controller.adminToken else { return nil }
        let header = request.headers[.authorization] ?? ""
        if let presented = Self.bearerCredentials(header), Self.constantTimeEqual(presented, Array(token.utf8)) {
            return nil
        }
        var reply = AdminReply.error(
            .unauthorized,
            header.isEmpty ? "this request needs 'Authorization: Bearer <token>'" : "invalid bearer token")
        reply.headers[.wwwAuthenticate] = "Bearer realm=\"fulcrum\""
        return reply
    }

    /// The credentials of `Bearer <credentials>` (the scheme is case-insensitive, RFC 7235), spaces around trimmed.
    private static func bearerCredentials(_ header: String) -> [UInt8]? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer ".utf8)
        guard bytes.count > scheme.count,
            zip(bytes, scheme).allSatisfy({ $0 >= 0x20 && ($0 | 0x20) == $1 })
        else { return nil }
        var credentials = bytes[scheme.count...]
        while credentials.first == 0x20 { credentials = credentials.dropFirst() }
        while credentials.last == 0x20 { credentials = credentials.dropLast() }
        return credentials.isEmpty ? nil : Array(credentials)
    }

    /// Compares without returning early, so the time taken says nothing about how much of a guess was right.
    private static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}

/// A malformed request: a bad body, query parameter or value (400).
struct AdminRequestError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Builds responses.
enum AdminReply {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Self.make(status: status, contentType: "application/json", body: value.text)
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Self.make(status: status, contentType: contentType, body: text)
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, errors: [String]? = nil) -> Response {
        Self.json(StatusJSON.error(message, errors: errors), status: status)
    }

    static func error(_ error: AdminError) -> Response {
        let status: HTTPResponse.Status
        switch error.kind {
        case .notFound: status = .notFound
        case .invalid: status = .badRequest
        case .conflict: status = .conflict
        case .unavailable: status = .serviceUnavailable
        }
        return Self.error(status, error.message)
    }

    private static func make(status: HTTPResponse.Status, contentType: String, body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        // Live figures: never serve them from a cache.
        headers[.cacheControl] = "no-store"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
