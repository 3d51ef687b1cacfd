/// One actively checked backend: the hysteresis (`HealthStateMachine`) driven by the probe timing
/// (`ProbeScheduler`). The caller carries out `probe` and reports back; it acts on `transition` when not nil.
public struct ActiveHealthCheck<C: Clock>: Sendable where C.Duration == Duration {
    /// The result of every input: a health change to act on (if any) and what to do about probing.
    public struct Step: Sendable, Hashable {
        public var transition: HealthTransition?
        public var probe: ProbeScheduler<C>.Action

        public init(transition: HealthTransition?, probe: ProbeScheduler<C>.Action) {
            self.transition = transition
            self.probe = probe
        }
    }

    public private(set) var machine: HealthStateMachine
    public private(set) var scheduler: ProbeScheduler<C>

    public var health: BackendHealth { self.machine.health }

    public init(
        rise: Int,
        fall: Int,
        interval: Duration,
        jitter: Jitter,
        health: BackendHealth = .unchecked
    ) {
        self.machine = HealthStateMachine(rise: rise, fall: fall, health: health)
        self.scheduler = ProbeScheduler(interval: interval, jitter: jitter)
    }

    /// Starts checking at `now`: the first probe runs at once.
    public mutating func start(now: C.Instant) -> Step {
        Step(transition: nil, probe: self.scheduler.start(now: now))
    }

    /// The timer armed by a `.probeAt(_, token)` step fired at `now`.
    public mutating func timerFired(token: UInt64, now: C.Instant) -> Step {
        Step(transition: nil, probe: self.scheduler.timerFired(token: token, now: now))
    }

    /// A probe finished at `now`. While the backend is suspect the next probe starts at once. A result while no
    /// probe was asked for (after `stop`) is ignored.
    public mutating func probeFinished(
        _ result: ProbeResult,
        now: C.Instant,
        using random: inout some RandomNumberGenerator
    ) -> Step {
        guard self.scheduler.isProbing else { return Step(transition: nil, probe: .none) }
        let transition = self.machine.record(result)
        let probe = self.scheduler.probeFinished(
            now: now,
            probeAgainAtOnce: self.machine.isSuspect,
            using: &random
        )
        return Step(transition: transition, probe: probe)
    }

    /// A connect failed while proxying at `now`: counts toward `fall` and asks for a probe at once.
    public mutating func proxiedConnectFailed(now: C.Instant) -> Step {
        let transition = self.machine.proxiedConnectFailed()
        guard self.machine.isSuspect else { return Step(transition: transition, probe: .none) }
        return Step(transition: transition, probe: self.scheduler.recheckRequested(now: now))
    }

    /// New thresholds and interval from a reload at `now`; health and streaks are kept, the next probe runs at once.
    public mutating func reconfigure(rise: Int, fall: Int, interval: Duration, now: C.Instant) -> Step {
        self.machine.reconfigure(rise: rise, fall: fall)
        return Step(transition: nil, probe: self.scheduler.reconfigure(interval: interval, now: now))
    }

    /// Stops probing for good.
    public mutating func stop() {
        self.scheduler.stop()
    }
}
