/// Outlier ejection for a backend of a service without health_check (SPEC §7 "Passive ejection").
///
/// `threshold` (3) connect failures in a row while proxying eject the backend (`down`) for `baseDuration` (10 s);
/// each further ejection without a successful connect in between doubles that, up to `maxDuration` (5 min). The
/// first successful connect resets the count and the doubling (it does not end a running ejection: that connect
/// raced the ejection). When the ejection's time runs out the backend is `unchecked` again and gets traffic, so
/// `threshold` more failures are needed to eject it again.
public struct PassiveEjection<C: Clock>: Sendable where C.Duration == Duration {
    public let policy: PassiveEjectionPolicy
    /// Connect failures in a row since the last success or ejection.
    public private(set) var consecutiveFailures = 0
    /// Ejections since the last successful connect: the next one lasts `baseDuration × 2^ejectionsWithoutSuccess`.
    public private(set) var ejectionsWithoutSuccess = 0
    /// The end of the current ejection, until `ejectionExpired(now:)` has seen it pass.
    // nil (unchecked) -> instant (down) on the threshold-th failure; instant -> nil in ejectionExpired once passed.
    public private(set) var ejectionEnd: C.Instant?

    public init(policy: PassiveEjectionPolicy = .standard) {
        self.policy = policy
    }

    /// `true` while `now` is before the end of an ejection.
    public func isEjected(at now: C.Instant) -> Bool {
        guard let end = self.ejectionEnd else { return false }
        return now < end
    }

    /// The health as last reported through transitions: `down` from an ejection until `ejectionExpired` ends it.
    public var health: BackendHealth { self.ejectionEnd == nil ? .unchecked : .down }

    /// The data plane need not report successes while nothing is counted (its hot path can skip them).
    public var needsSuccessReports: Bool { self.consecutiveFailures > 0 || self.ejectionsWithoutSuccess > 0 }

    /// How long the next ejection would last.
    public var nextEjectionDuration: Duration {
        var duration = self.policy.baseDuration
        var doublings = self.ejectionsWithoutSuccess
        while doublings > 0, duration < self.policy.maxDuration {
            duration = duration * 2
            doublings -= 1
        }
        return min(duration, self.policy.maxDuration)
    }

    /// A proxied connect failed at `now` (refused, reset or timed out). Ignored while ejected: such reports come
    /// from connects that raced the ejection.
    public mutating func connectFailed(now: C.Instant) -> HealthTransition? {
        guard self.ejectionEnd == nil else { return nil }
        self.consecutiveFailures += 1
        guard self.consecutiveFailures >= self.policy.threshold else { return nil }
        let duration = self.nextEjectionDuration
        let failures = self.consecutiveFailures
        self.ejectionEnd = now.advanced(by: duration)
        self.ejectionsWithoutSuccess += 1
        self.consecutiveFailures = 0
        return HealthTransition(from: .unchecked, to: .down, reason: .ejected(failures: failures, duration: duration))
    }

    /// A proxied connect succeeded: resets the failure count and the doubling.
    public mutating func connectSucceeded() {
        self.consecutiveFailures = 0
        self.ejectionsWithoutSuccess = 0
    }

    /// Ends the ejection if its time has run out at `now` (call it when a timer for `ejectionEnd` fires; a timer
    /// that fires a little early gets nil and should be re-armed for `ejectionEnd`).
    public mutating func ejectionExpired(now: C.Instant) -> HealthTransition? {
        guard let end = self.ejectionEnd, now >= end else { return nil }
        self.ejectionEnd = nil
        return HealthTransition(from: .down, to: .unchecked, reason: .ejectionEnded)
    }
}

/// The knobs of `PassiveEjection`; SPEC values by default.
public struct PassiveEjectionPolicy: Sendable, Hashable {
    public var threshold: Int
    public var baseDuration: Duration
    public var maxDuration: Duration

    /// 3 failures, 10 s doubling up to 5 min.
    public static let standard = PassiveEjectionPolicy(
        threshold: 3,
        baseDuration: .seconds(10),
        maxDuration: .seconds(300)
    )

    public init(threshold: Int, baseDuration: Duration, maxDuration: Duration) {
        precondition(threshold >= 1, "threshold must be at least 1")
        precondition(baseDuration > .zero && maxDuration >= baseDuration, "0 < baseDuration <= maxDuration")
        self.threshold = threshold
        self.baseDuration = baseDuration
        self.maxDuration = maxDuration
    }
}
