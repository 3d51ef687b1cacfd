import FulcrumNet

/// How a connection or UDP session ended (SPEC §6).
public enum EndReason: Sendable, Equatable, CustomStringConvertible {
    /// Both sides closed normally.
    case closed
    /// Nothing was sent either way for `idle_timeout`.
    case idleTimeout
    /// Every backend tried failed to connect (or none was left to try after a failure).
    case connectFailed
    /// Refused before reaching a backend.
    case rejected(RejectReason)
    /// A side reset the connection or went away mid-transfer.
    case reset
    /// Closed by Fulcrum at the end of the shutdown grace period.
    case shutdown
    /// Closed because Fulcrum ran short of a resource (file descriptors, memory).
    case resourceExhausted

    public var description: String {
        switch self {
        case .closed: return "closed"
        case .idleTimeout: return "idle_timeout"
        case .connectFailed: return "connect_failed"
        case .rejected(let reason): return "rejected:\(reason.label)"
        case .reset: return "reset"
        case .shutdown: return "shutdown"
        case .resourceExhausted: return "resource_exhausted"
        }
    }
}

/// One finished TCP connection or UDP session, as the access log writes it.
public struct AccessRecord: Sendable {
    public var service: String
    public var transport: Transport
    /// The client as Fulcrum saw it (after PROXY protocol, when accepted).
    public var client: IPEndpoint
    /// The backend's configured address, or `nil` when none was reached.
    public var backend: String?
    /// Bytes received from the client / sent to the client.
    public var bytesIn: UInt64
    public var bytesOut: UInt64
    /// Wall-clock start, nanoseconds since the Unix epoch.
    public var startedAtNanoseconds: UInt64
    public var durationNanoseconds: UInt64
    public var end: EndReason

    public init(
        service: String, transport: Transport, client: IPEndpoint, backend: String?, bytesIn: UInt64,
        bytesOut: UInt64, startedAtNanoseconds: UInt64, durationNanoseconds: UInt64, end: EndReason
    ) {
        self.service = service
        self.transport = transport
        self.client = client
        self.backend = backend
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.startedAtNanoseconds = startedAtNanoseconds
        self.durationNanoseconds = durationNanoseconds
        self.end = end
    }
}
