import FulcrumNet
import Glibc

/// Errors the engine reports to the control plane. An open struct over a private code, so that new cases do not
/// break callers (as swift-service-lifecycle's `ServiceGroupError` and NIO's `NIOHTTP1ProxyConnectHandler.Error`).
public struct EngineError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case bind(IPEndpoint, Transport?, Int32)
        case threadStart(Int32)
        case resource(String, Int32)
    }

    private let code: Code

    /// A listening socket could not be created or bound (EADDRINUSE, EACCES, EADDRNOTAVAIL, ...).
    public static func bind(_ endpoint: IPEndpoint, transport: Transport? = nil, errno: Int32) -> EngineError {
        EngineError(code: .bind(endpoint, transport, errno))
    }

    static func threadStart(errno: Int32) -> EngineError { EngineError(code: .threadStart(errno)) }

    static func resource(_ what: String, errno: Int32) -> EngineError { EngineError(code: .resource(what, errno)) }

    /// The endpoint that could not be bound, for a bind error.
    public var endpoint: IPEndpoint? {
        if case .bind(let endpoint, _, _) = self.code { return endpoint }
        return nil
    }

    public var description: String {
        switch self.code {
        case .bind(let endpoint, let transport, let code):
            let what = transport.map { "\($0.rawValue) " } ?? ""
            return "cannot listen on \(what)\(endpoint): \(EngineError.text(code))"
        case .threadStart(let code):
            return "cannot start an engine thread: \(EngineError.text(code))"
        case .resource(let what, let code):
            return "cannot create \(what): \(EngineError.text(code))"
        }
    }

    static func text(_ code: Int32) -> String {
        guard let message = strerror(code) else { return "errno \(code)" }
        return String(cString: message)
    }

    func with(transport: Transport) -> EngineError {
        if case .bind(let endpoint, _, let code) = self.code { return .bind(endpoint, transport: transport, errno: code) }
        return self
    }
}
