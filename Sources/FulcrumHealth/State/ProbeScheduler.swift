/// When to run the next active probe of one backend: at once on start, then `interval` (with jitter) after the
/// previous probe started, or as soon as it ends if it took longer (SPEC §8.5: a `timeout` longer than `interval`
/// is valid, and the probes of one backend never overlap); at once again when asked (passive detection).
///
/// The caller owns the timer: `.probeAt(instant, token)` asks it to call `timerFired(token:now:)` at `instant`.
/// Tokens make a timer that could not be cancelled in time harmless: a stale token is ignored.
public struct ProbeScheduler<C: Clock>: Sendable where C.Duration == Duration {
    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Start a probe now, then report it with `probeFinished`.
        case probeNow
        /// Arm a timer for `instant` (replacing any earlier one) that calls `timerFired(token:now:)`.
        case probeAt(C.Instant, token: UInt64)
        /// Nothing to do (a probe is running, or the timer is stale, or stopped).
        case none
    }

    private enum State: Sendable, Hashable {
        /// Not started. -> probing (start)
        case idle
        /// A timer is armed. -> probing (timer fired with this token, or recheck), stopped
        case waiting(until: C.Instant, token: UInt64)
        /// A probe started at `startedAt` runs; `again` means start the next one at once when it finishes.
        /// -> waiting, probing, stopped
        case probing(startedAt: C.Instant, again: Bool)
        /// Final: nothing is ever started again.
        case stopped
    }

    /// Time from the start of one probe to the start of the next, before jitter.
    public var interval: Duration
    /// Spread applied to `interval`.
    public var jitter: Jitter
    private var state: State = .idle
    private var lastToken: UInt64 = 0

    public init(interval: Duration, jitter: Jitter) {
        self.interval = interval
        self.jitter = jitter
    }

    /// `true` while a probe runs.
    public var isProbing: Bool {
        if case .probing = self.state { return true }
        return false
    }

    /// When the armed timer is due, if one is.
    public var nextProbe: C.Instant? {
        if case .waiting(let until, _) = self.state { return until }
        return nil
    }

    /// The first check runs at once (SPEC §7).
    public mutating func start(now: C.Instant) -> Action {
        switch self.state {
        case .idle:
            return self.probe(startingAt: now)
        case .waiting, .probing, .stopped:
            return .none
        }
    }

    /// The timer armed by `.probeAt(_, token)` fired at `now`.
    public mutating func timerFired(token: UInt64, now: C.Instant) -> Action {
        switch self.state {
        case .waiting(_, let armed) where armed == token:
            return self.probe(startingAt: now)
        case .idle, .waiting, .probing, .stopped:
            return .none
        }
    }

    /// A probe finished at `now`. With `probeAgainAtOnce` (or a recheck asked for meanwhile) the next starts now;
    /// otherwise a jittered interval after this one started, or now if that has already passed.
    public mutating func probeFinished(
        now: C.Instant,
        probeAgainAtOnce: Bool,
        using random: inout some RandomNumberGenerator
    ) -> Action {
        switch self.state {
        case .probing(let startedAt, let again):
            if again || probeAgainAtOnce {
                return self.probe(startingAt: now)
            }
            let due = startedAt.advanced(by: self.jitter.apply(to: self.interval, using: &random))
            guard now < due else { return self.probe(startingAt: now) }
            return self.arm(at: due)
        case .idle, .waiting, .stopped:
            // A result nobody asked for (e.g. after stop): ignore it.
            return .none
        }
    }

    /// Probe as soon as possible: now if waiting, right after the running probe otherwise.
    public mutating func recheckRequested(now: C.Instant) -> Action {
        switch self.state {
        case .waiting:
            return self.probe(startingAt: now)
        case .probing(let startedAt, _):
            self.state = .probing(startedAt: startedAt, again: true)
            return .none
        case .idle, .stopped:
            return .none
        }
    }

    /// Re-times the armed timer after an interval change: the next probe comes at once.
    public mutating func reconfigure(interval: Duration, now: C.Instant) -> Action {
        self.interval = interval
        return self.recheckRequested(now: now)
    }

    /// Nothing starts after this.
    public mutating func stop() {
        self.state = .stopped
    }

    private mutating func probe(startingAt now: C.Instant) -> Action {
        self.state = .probing(startedAt: now, again: false)
        return .probeNow
    }

    private mutating func arm(at instant: C.Instant) -> Action {
        self.lastToken &+= 1
        self.state = .waiting(until: instant, token: self.lastToken)
        return .probeAt(instant, token: self.lastToken)
    }
}
