/// Why one health probe failed. The `description` is the text logged with a health transition.
public enum HealthCheckFailure: Sendable, Hashable, CustomStringConvertible {
    /// The connection (TCP) or the datagram (UDP, an ICMP port unreachable) was refused.
    case connectRefused
    /// No connection, or no expected reply, within the check's `timeout`.
    case timeout
    /// The reply did not contain `expect`: the peer closed, or 16 KiB arrived, or (UDP) the first datagram lacked it.
    case unexpectedReply
    /// The peer closed the connection before sending anything while a reply was expected.
    case closedWithoutReply
    /// The peer reset the connection during the check.
    case connectionReset
    /// Writing the probe's payload failed.
    case sendFailed
    /// Any other connect error (no route, network unreachable, ...); `detail` is the system's wording.
    case connectFailed(detail: String)

    /// Short human text for logs: `connect refused`, `timeout`, `unexpected reply`, ...
    public var description: String {
        switch self {
        case .connectRefused: return "connect refused"
        case .timeout: return "timeout"
        case .unexpectedReply: return "unexpected reply"
        case .closedWithoutReply: return "closed without reply"
        case .connectionReset: return "connection reset"
        case .sendFailed: return "send failed"
        case .connectFailed(let detail): return "connect failed: \(detail)"
        }
    }
}

/// The outcome of one health probe.
public enum ProbeResult: Sendable, Hashable, CustomStringConvertible {
    case success
    case failure(HealthCheckFailure)

    public var description: String {
        switch self {
        case .success: return "ok"
        case .failure(let failure): return failure.description
        }
    }
}
