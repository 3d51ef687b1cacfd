/// What health checking says about one backend: the `health` field of the admin API and `fulcrum_backend_up`.
public enum BackendHealth: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Not judged yet (no check has passed or failed enough), or passive ejection only and not ejected.
    /// Counts as up: the backend receives connections.
    case unchecked
    /// Checks pass.
    case up
    /// `fall` checks failed in a row, or passively ejected: no new connections.
    case down

    /// `true` unless `down`: `unchecked` counts as up (SPEC §7).
    public var isEligible: Bool {
        switch self {
        case .unchecked, .up: return true
        case .down: return false
        }
    }

    /// `unchecked`, `up` or `down`, as the admin API spells it.
    public var description: String { self.rawValue }
}
