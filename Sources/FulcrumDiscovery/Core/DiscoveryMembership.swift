/// Which discovered backends a service uses, given what its registry answers over time (SPEC §8.1). Pure: the
/// caller passes `now` and arms one timer for `Outcome.wakeAt`.
///
/// Two rules stand between an answer and the pool:
/// - `holdEmpty`: an answer with no records empties the set only once such answers have lasted this long (a DNS
///   zone being rewritten, an NXDOMAIN blip);
/// - the mass-removal guard: an answer that would remove more than `maxDrop` of the current set at once (a
///   half-written registry, a wrong prefix, a broken zone) is held: its additions and weight changes apply at once,
///   its removals only once it has stood for `holdDrop` (a later answer that removes less ends the hold). With
///   `maxDrop` 1 (100 %) the guard is off.
/// An empty answer is a removal of everything, so after `holdEmpty` it is still subject to the guard.
public struct DiscoveryMembership<C: Clock>: Sendable where C.Duration == Duration {
    public struct Policy: Sendable, Hashable {
        public var maxDrop: Double
        public var holdDrop: Duration
        public var holdEmpty: Duration?

        public init(maxDrop: Double, holdDrop: Duration, holdEmpty: Duration? = nil) {
            precondition((0...1).contains(maxDrop), "maxDrop is a share from 0 to 1")
            self.maxDrop = maxDrop
            self.holdDrop = holdDrop
            self.holdEmpty = holdEmpty
        }
    }

    /// What one input changed.
    public struct Outcome: Sendable {
        /// The new set, when it changed (in address order).
        public var applied: [DiscoveredBackend]?
        /// The guard started holding an update now: `(removals held, out of how many)`; log and count it.
        public var holdStarted: (removing: Int, of: Int)?
        /// The guard stopped holding because a later answer removes less (nothing held is applied).
        public var holdWithdrawn = false
        /// A held update was applied now, after standing for `holdDrop`.
        public var holdExpired = false
        /// An empty answer is being held by `holdEmpty` (first seen now).
        public var emptyHeld = false
        /// When to call `timerFired(now:)` (replacing any earlier timer); `nil`: no timer needed.
        public var wakeAt: C.Instant?
    }

    public let policy: Policy
    /// The set in use, by address.
    public private(set) var current: [String: DiscoveredBackend] = [:]
    /// The registry's latest answer.
    private var latest: [String: DiscoveredBackend]?
    /// Since when the guard holds the latest answer's removals.
    public private(set) var holdingSince: C.Instant?
    /// Since when answers have been empty (while `holdEmpty` applies).
    private var emptySince: C.Instant?

    public init(policy: Policy, current: [DiscoveredBackend] = []) {
        self.policy = policy
        self.current = Dictionary(current.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The set in use, in address order.
    public var backends: [DiscoveredBackend] { self.current.values.sorted { $0.address < $1.address } }

    /// Whether the guard holds an update right now (the API's `held`).
    public var isHolding: Bool { self.holdingSince != nil }

    /// The registry answered with its complete set.
    public mutating func registryAnswered(_ answer: [DiscoveredBackend], now: C.Instant) -> Outcome {
        self.latest = Dictionary(answer.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        return self.evaluate(now: now)
    }

    /// The timer asked for by an outcome's `wakeAt` fired.
    public mutating func timerFired(now: C.Instant) -> Outcome {
        self.evaluate(now: now)
    }

    private mutating func evaluate(now: C.Instant) -> Outcome {
        var outcome = Outcome()
        guard let latest = self.latest else { return outcome }

        if latest.isEmpty, !self.current.isEmpty, let holdEmpty = self.policy.holdEmpty {
            let since = self.emptySince ?? now
            if self.emptySince == nil {
                self.emptySince = now
                outcome.emptyHeld = true
            }
            let due = since.advanced(by: holdEmpty)
            if now < due {
                outcome.wakeAt = due
                return outcome
            }
        } else if !latest.isEmpty {
            self.emptySince = nil
        }

        let removed = self.current.keys.filter { latest[$0] == nil }
        let guarded = !self.current.isEmpty && Double(removed.count) > self.policy.maxDrop * Double(self.current.count)
        guard guarded else {
            if self.holdingSince != nil {
                self.holdingSince = nil
                outcome.holdWithdrawn = true
            }
            self.replace(with: latest, into: &outcome)
            return outcome
        }
        let since = self.holdingSince ?? now
        if self.holdingSince == nil {
            self.holdingSince = now
            outcome.holdStarted = (removed.count, self.current.count)
        }
        let due = since.advanced(by: self.policy.holdDrop)
        if now >= due {
            self.holdingSince = nil
            outcome.holdExpired = true
            self.replace(with: latest, into: &outcome)
            return outcome
        }
        // Held: what the answer adds or changes applies now, what it removes stays until `due`.
        var kept = latest
        for address in removed { kept[address] = self.current[address] }
        self.replace(with: kept, into: &outcome)
        outcome.wakeAt = due
        return outcome
    }

    private mutating func replace(with next: [String: DiscoveredBackend], into outcome: inout Outcome) {
        guard next != self.current else { return }
        self.current = next
        outcome.applied = self.backends
    }
}
