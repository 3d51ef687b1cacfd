/// A change of a backend's health, returned by the state machines for their caller to act on
/// (rebuild routing, log at `notice`, update `fulcrum_backend_up`).
public struct HealthTransition: Sendable, Hashable, CustomStringConvertible {
    public var from: BackendHealth
    public var to: BackendHealth
    public var reason: HealthTransitionReason

    public init(from: BackendHealth, to: BackendHealth, reason: HealthTransitionReason) {
        self.from = from
        self.to = to
        self.reason = reason
    }

    /// `up -> down (connect refused)`.
    public var description: String { "\(self.from) -> \(self.to) (\(self.reason))" }
}

/// Why a backend's health changed. The `description` is the human text for logs.
public enum HealthTransitionReason: Sendable, Hashable, CustomStringConvertible {
    /// An active check passed (the first one for `unchecked`, the `rise`-th in a row for `down`).
    case checkPassed
    /// The `fall`-th failure in a row was this failed check.
    case checkFailed(HealthCheckFailure)
    /// The `fall`-th failure in a row was a failed connect while proxying (passive detection with health_check).
    case proxiedConnectFailed
    /// Passive ejection without health_check: `failures` connects failed in a row, ejected for `duration`.
    case ejected(failures: Int, duration: Duration)
    /// A passive ejection's time ran out; the backend receives connections again.
    case ejectionEnded
    /// The service's health_check was added, removed or changed kind on reload; the backend starts afresh.
    case checkReconfigured

    public var description: String {
        switch self {
        case .checkPassed: return "check passed"
        case .checkFailed(let failure): return failure.description
        case .proxiedConnectFailed: return "connect failed while proxying"
        case .ejected(let failures, let duration):
            return "\(failures) consecutive connect failures, ejected for \(DurationText.short(duration))"
        case .ejectionEnded: return "ejection ended"
        case .checkReconfigured: return "health check reconfigured"
        }
    }
}

/// `10s`, `5m`, `250ms`: the config file's duration style, for log texts.
enum DurationText {
    static func short(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 {
            if seconds != 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
            if seconds != 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
            return "\(seconds)s"
        }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }
}
