/// Why an admin operation was refused. The admin server turns `kind` into an HTTP status and `message` into the
/// `{"error": ...}` body.
public struct AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure; each maps to one HTTP status.
    public enum Kind: Sendable, Equatable {
        /// No such service or backend (404).
        case notFound
        /// A value the request carried is not acceptable (400).
        case invalid
        /// The request conflicts with the current state, e.g. a backend that already exists (409).
        case conflict
        /// The request is valid but cannot be served now, e.g. no backend is eligible (503).
        case unavailable
    }

    /// Which HTTP status the failure maps to.
    public let kind: Kind
    /// One sentence for people.
    public let message: String

    /// A failure of `kind` described by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { self.message }

    static func unknownService(_ name: String) -> AdminError {
        AdminError(.notFound, "unknown service '\(name)'")
    }

    static func unknownBackend(_ address: String, service: String) -> AdminError {
        AdminError(.notFound, "service '\(service)' has no backend '\(address)'")
    }
}
