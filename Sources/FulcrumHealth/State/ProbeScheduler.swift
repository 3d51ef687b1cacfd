/// When to run the next active probe of one backend: at once on start, then every `interval` (with jitter) after
/// the previous probe finished, at once again when asked (passive detection), never two at a time.
///
/// The caller owns the timer: `.probeAt(instant, token)` asks it to call `timerFired(token:)` at `instant`. Tokens
/// make a timer that could not be cancelled in time harmless: a stale token is ignored.
public struct ProbeScheduler<C: Clock>: Sendable where C.Duration == Duration {
    /// What the caller does next.
    public enum Action: Sendable, Hashable {
        /// Start a probe now, then report it with `probeFinished`.
        case probeNow
        /// Arm a timer for `instant` (replacing any earlier one) that calls `timerFired(token:)`.
        case probeAt(C.Instant, token: UInt64)
        /// Nothing to do (a probe is running, or the timer is stale, or stopped).
        case none
    }

    private enum State: Sendable, Hashable {
        /// Not started. -> probing (start)
        case idle
        /// A timer is armed. -> probing (timer fired with this token, or recheck), stopped
        case waiting(until: C.Instant, token: UInt64)
        /// A probe runs; `again` means start the next one at once when it finishes. -> waiting, probing, stopped
        case probing(again: Bool)
        /// Final: nothing is ever started again.
        case stopped
    }

    /// Time between the end of one probe and the start of the next, before jitter.
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
    public mutating func start() -> Action {
        switch self.state {
        case .idle:
            self.state = .probing(again: false)
            return .probeNow
        case .waiting, .probing, .stopped:
            return .none
        }
    }

    /// The timer armed by `.probeAt(_, token)` fired.
    public mutating func timerFired(token: UInt64) -> Action {
        switch self.state {
        case .waiting(_, let armed) where armed == token:
            self.state = .probing(again: false)
            return .probeNow
        case .idle, .waiting, .probing, .stopped:
            return .none
        }
    }

    /// A probe finished at `now`. With `probeAgainAtOnce` (or a recheck asked for meanwhile) the next starts now;
    /// otherwise after a jittered interval.
    public mutating func probeFinished(
        now: C.Instant,
        probeAgainAtOnce: Bool,
        using random: inout some RandomNumberGenerator
    ) -> Action {
        switch self.state {
        case .probing(let again):
            if again || probeAgainAtOnce {
                self.state = .probing(again: false)
                return .probeNow
            }
            return self.arm(at: now.advanced(by: self.jitter.apply(to: self.interval, using: &random)))
        case .idle, .waiting, .stopped:
            // A result nobody asked for (e.g. after stop): ignore it.
            return .none
        }
    }

    /// Probe as soon as possible: now if waiting, right after the running probe otherwise.
    public mutating func recheckRequested() -> Action {
        switch self.state {
        case .waiting:
            self.state = .probing(again: false)
            return .probeNow
        case .probing:
            self.state = .probing(again: true)
            return .none
        case .idle, .stopped:
            return .none
        }
    }

    /// Re-times the armed timer after an interval change: the next probe comes at once.
    public mutating func reconfigure(interval: Duration) -> Action {
        self.interval = interval
        return self.recheckRequested()
    }

    /// Nothing starts after this.
    public mutating func stop() {
        self.state = .stopped
    }

    private mutating func arm(at instant: C.Instant) -> Action {
        self.lastToken &+= 1
        self.state = .waiting(until: instant, token: self.lastToken)
        return .probeAt(instant, token: self.lastToken)
    }
}
