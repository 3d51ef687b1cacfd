/// Rise/fall hysteresis for one actively checked backend (SPEC §7, HAProxy's `struct check`).
///
/// A backend starts `unchecked` (which counts as up). The first passing check makes it `up`; failures count toward
/// `fall` from the start, so `fall` failures in a row make an `unchecked` or `up` backend `down`; `rise` passes in a
/// row make a `down` backend `up` again.
///
/// Passive detection (issue 4): a failed connect while proxying counts as one failed check and makes the backend
/// *suspect*: its caller then probes at once, back to back, until a probe passes (suspicion cleared) or the failure
/// streak reaches `fall` (down). A dead backend under traffic is so ejected after about one check instead of `fall`
/// intervals. Only one proxied failure counts between two probe results: a burst of failed connects is one piece of
/// evidence (they usually share one cause), and the probes confirm it.
///
/// Every method is idempotent in spirit: it may be called in any state and returns a transition only on a change.
public struct HealthStateMachine: Sendable, Hashable {
    /// Passes in a row that make a `down` backend `up`.
    public private(set) var rise: Int
    /// Failures in a row that make an `unchecked` or `up` backend `down`.
    public private(set) var fall: Int
    /// The current health.
    // unchecked -> up (first pass) | down (fall failures)
    // up        -> down (fall failures)
    // down      -> up (rise passes)
    public private(set) var health: BackendHealth
    /// Checks passed in a row (reset by any failure).
    public private(set) var successStreak = 0
    /// Checks (and counted proxied connects) failed in a row (reset by a pass).
    public private(set) var failureStreak = 0
    /// A proxied connect failure is part of the current failure streak: probe again at once.
    public private(set) var isSuspect = false
    /// A proxied failure was counted since the last probe result.
    private var proxiedFailureCounted = false

    /// - Parameters:
    ///   - rise: at least 1.
    ///   - fall: at least 1.
    ///   - health: the starting health: `unchecked` for a new backend, the kept one on reconfiguration.
    public init(rise: Int, fall: Int, health: BackendHealth = .unchecked) {
        precondition(rise >= 1 && fall >= 1, "rise and fall must be at least 1 (validated by the config)")
        self.rise = rise
        self.fall = fall
        self.health = health
    }

    /// Applies new `rise`/`fall` (a reload changed them) and keeps the health and the streaks.
    /// A streak that already reaches a lowered threshold takes effect at the next result.
    public mutating func reconfigure(rise: Int, fall: Int) {
        precondition(rise >= 1 && fall >= 1, "rise and fall must be at least 1 (validated by the config)")
        self.rise = rise
        self.fall = fall
    }

    /// Feeds one probe result.
    public mutating func record(_ result: ProbeResult) -> HealthTransition? {
        switch result {
        case .success: return self.checkPassed()
        case .failure(let failure): return self.checkFailed(failure)
        }
    }

    /// An active check passed.
    public mutating func checkPassed() -> HealthTransition? {
        self.failureStreak = 0
        self.isSuspect = false
        self.proxiedFailureCounted = false
        self.successStreak += 1
        switch self.health {
        case .unchecked:
            return self.move(to: .up, reason: .checkPassed)
        case .up:
            return nil
        case .down:
            guard self.successStreak >= self.rise else { return nil }
            return self.move(to: .up, reason: .checkPassed)
        }
    }

    /// An active check failed.
    public mutating func checkFailed(_ failure: HealthCheckFailure) -> HealthTransition? {
        self.successStreak = 0
        self.proxiedFailureCounted = false
        self.failureStreak += 1
        return self.failIfStreakReachesFall(reason: .checkFailed(failure))
    }

    /// A connect to this backend failed while proxying (refused, reset, timed out).
    ///
    /// Counts as a failed check unless one was already counted since the last probe result, or the backend is
    /// already `down` (late reports from connects that raced the transition). Afterwards `isSuspect` says whether
    /// the caller should probe at once.
    public mutating func proxiedConnectFailed() -> HealthTransition? {
        switch self.health {
        case .down:
            return nil
        case .unchecked, .up:
            guard !self.proxiedFailureCounted else { return nil }
            self.proxiedFailureCounted = true
            self.successStreak = 0
            self.failureStreak += 1
            self.isSuspect = true
            return self.failIfStreakReachesFall(reason: .proxiedConnectFailed)
        }
    }

    private mutating func failIfStreakReachesFall(reason: HealthTransitionReason) -> HealthTransition? {
        switch self.health {
        case .unchecked, .up:
            guard self.failureStreak >= self.fall else { return nil }
            return self.move(to: .down, reason: reason)
        case .down:
            self.isSuspect = false
            return nil
        }
    }

    private mutating func move(to health: BackendHealth, reason: HealthTransitionReason) -> HealthTransition {
        let transition = HealthTransition(from: self.health, to: health, reason: reason)
        self.health = health
        if health == .down {
            // Down is confirmed: back to the regular interval, the rise checks bring it back.
            self.isSuspect = false
        }
        return transition
    }
}
