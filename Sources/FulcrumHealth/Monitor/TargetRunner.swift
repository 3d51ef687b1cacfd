import FulcrumNet
import Logging
import NIOCore
import Synchronization

/// What every target of one monitor shares.
struct MonitorContext: Sendable {
    let logger: Logger
    let jitter: Jitter
    let passivePolicy: PassiveEjectionPolicy
    let random: SharedRandom
    let probe: HealthProbe
    let onChange: @Sendable (HealthChange) -> Void
}

/// Runs the checks of one target on one event loop of the health group.
///
/// Every input (start, timer, probe result, proxied connect result, reconfiguration) is handled on `loop`, so the
/// transitions of one backend are reported in order; the state sits in a `Mutex` only so that `health` and `stop`
/// can be read and called from any thread. Timers are `scheduleTask` on `loop` (see `HealthMonitor`), and time is
/// the loop's own (`EventLoopClock`), so a testing loop drives every timer, timeout and state machine of a target.
final class TargetRunner: Sendable {
    private typealias Clock = EventLoopClock

    private enum Mode: Sendable {
        case active(ActiveHealthCheck<Clock>, HealthCheckSpec)
        case passive(PassiveEjection<Clock>)

        var health: BackendHealth {
            switch self {
            case .active(let check, _): return check.health
            case .passive(let ejection): return ejection.health
            }
        }
    }

    private struct State: Sendable {
        var endpoint: IPEndpoint
        var mode: Mode
        /// The armed timer: the next probe (active) or the end of an ejection (passive).
        var timer: Scheduled<Void>?
        /// The running probe, awaited by shutdown.
        var inFlight: EventLoopFuture<ProbeResult>?
        /// Tells the running probe's result from one of a probe started before a reconfiguration.
        var probeNumber: UInt64 = 0
        var isStopped = false
    }

    let key: HealthTargetKey
    let loop: any EventLoop
    private let clock: EventLoopClock
    private let context: MonitorContext
    private let state: Mutex<State>
    /// Read by the data plane on every successful connect: only a passive target with counted failures or
    /// ejections needs successes (to reset them). Relaxed: a success that races a failure may be skipped, which
    /// is as if it had come just before that failure.
    private let wantsSuccessReports = Atomic<Bool>(false)
    private let isStopped = Atomic<Bool>(false)
    /// Mirrors `state.mode` for the data plane's failure path, which must not take the lock.
    private let isPassive: Atomic<Bool>

    init(target: HealthTarget, loop: any EventLoop, context: MonitorContext) {
        self.key = target.key
        self.loop = loop
        self.clock = EventLoopClock(loop: loop)
        self.context = context
        let mode: Mode =
            if let check = target.check {
                .active(Self.makeCheck(check, context: context, health: .unchecked), check)
            } else {
                .passive(PassiveEjection(policy: context.passivePolicy))
            }
        self.isPassive = Atomic(target.check == nil)
        self.state = Mutex(State(endpoint: target.endpoint, mode: mode))
    }

    var health: BackendHealth {
        self.state.withLock { $0.mode.health }
    }

    // MARK: Entry points from any thread

    /// Starts checking: the first probe of a checked target runs at once (SPEC §7).
    func start() {
        self.loop.execute { self.handleStart() }
    }

    /// A reload kept this target: new address or health_check settings.
    func update(_ target: HealthTarget) {
        self.loop.execute { self.handleUpdate(target) }
    }

    /// A proxied connect's outcome. Cheap for successes nobody needs: one relaxed atomic load, no hop.
    func reportConnect(success: Bool) {
        if success {
            guard self.wantsSuccessReports.load(ordering: .relaxed) else { return }
        } else {
            guard !self.isStopped.load(ordering: .relaxed) else { return }
            if self.isPassive.load(ordering: .relaxed) {
                self.wantsSuccessReports.store(true, ordering: .relaxed)
            }
        }
        self.loop.execute { self.handleConnect(success: success) }
    }

    /// Stops for good; returns the running probe (it ends within its timeout) for shutdown to await.
    func stop() -> EventLoopFuture<ProbeResult>? {
        self.isStopped.store(true, ordering: .relaxed)
        self.wantsSuccessReports.store(false, ordering: .relaxed)
        return self.state.withLock { state in
            state.isStopped = true
            state.timer?.cancel()
            state.timer = nil
            if case .active(var check, let spec) = state.mode {
                check.stop()
                state.mode = .active(check, spec)
            }
            return state.inFlight
        }
    }

    // MARK: Handlers, on `loop`

    private func handleStart() {
        let (transition, probe) = self.state.withLock { state -> (HealthTransition?, Launched?) in
            guard !state.isStopped, case .active(var check, let spec) = state.mode else { return (nil, nil) }
            let step = check.start(now: self.clock.now)
            state.mode = .active(check, spec)
            return (step.transition, self.carryOut(step.probe, spec: spec, state: &state))
        }
        self.finish(transition, probe)
    }

    private func handleTimer(token: UInt64) {
        let probe = self.state.withLock { state -> Launched? in
            guard !state.isStopped, case .active(var check, let spec) = state.mode else { return nil }
            let step = check.timerFired(token: token, now: self.clock.now)
            state.mode = .active(check, spec)
            return self.carryOut(step.probe, spec: spec, state: &state)
        }
        self.finish(nil, probe)
    }

    private func handleProbeResult(_ result: ProbeResult, number: UInt64) {
        let (transition, probe) = self.state.withLock { state -> (HealthTransition?, Launched?) in
            guard number == state.probeNumber else { return (nil, nil) }
            state.inFlight = nil
            guard !state.isStopped, case .active(var check, let spec) = state.mode else { return (nil, nil) }
            var random = self.context.random
            let step = check.probeFinished(result, now: self.clock.now, using: &random)
            state.mode = .active(check, spec)
            return (step.transition, self.carryOut(step.probe, spec: spec, state: &state))
        }
        switch result {
        case .success:
            self.context.logger.trace("health check passed", metadata: self.metadata)
        case .failure(let failure):
            var metadata = self.metadata
            metadata["reason"] = "\(failure)"
            self.context.logger.debug("health check failed", metadata: metadata)
        }
        self.finish(transition, probe)
    }

    private func handleConnect(success: Bool) {
        let (transition, probe) = self.state.withLock { state -> (HealthTransition?, Launched?) in
            guard !state.isStopped else { return (nil, nil) }
            switch state.mode {
            case .active(var check, let spec):
                guard !success else { return (nil, nil) }
                let step = check.proxiedConnectFailed(now: self.clock.now)
                state.mode = .active(check, spec)
                return (step.transition, self.carryOut(step.probe, spec: spec, state: &state))
            case .passive(var ejection):
                var transition: HealthTransition?
                if success {
                    ejection.connectSucceeded()
                } else {
                    transition = ejection.connectFailed(now: self.clock.now)
                    if transition != nil, let end = ejection.ejectionEnd {
                        self.armEjectionTimer(until: end, state: &state)
                    }
                }
                state.mode = .passive(ejection)
                self.wantsSuccessReports.store(ejection.needsSuccessReports, ordering: .relaxed)
                return (transition, nil)
            }
        }
        if !success, transition == nil {
            self.context.logger.debug("connect failed while proxying", metadata: self.metadata)
        }
        self.finish(transition, probe)
    }

    private func handleEjectionTimer() {
        let transition = self.state.withLock { state -> HealthTransition? in
            guard !state.isStopped, case .passive(var ejection) = state.mode else { return nil }
            let transition = ejection.ejectionExpired(now: self.clock.now)
            if transition == nil, let end = ejection.ejectionEnd {
                // Not due yet (a loop may run a task a hair early): wait for the rest.
                self.armEjectionTimer(until: end, state: &state)
            }
            state.mode = .passive(ejection)
            self.wantsSuccessReports.store(ejection.needsSuccessReports, ordering: .relaxed)
            return transition
        }
        self.finish(transition, nil)
    }

    private func handleUpdate(_ target: HealthTarget) {
        let (transition, probe) = self.state.withLock { state -> (HealthTransition?, Launched?) in
            guard !state.isStopped else { return (nil, nil) }
            let endpointChanged = state.endpoint != target.endpoint
            state.endpoint = target.endpoint
            switch (state.mode, target.check) {
            case (.active(var check, let old), .some(let new)):
                guard old != new || endpointChanged else { return (nil, nil) }
                let step = check.reconfigure(rise: new.rise, fall: new.fall, interval: new.interval, now: self.clock.now)
                state.mode = .active(check, new)
                return (nil, self.carryOut(step.probe, spec: new, state: &state))
            case (.active(let check, _), .none):
                state.timer?.cancel()
                state.timer = nil
                state.mode = .passive(PassiveEjection(policy: self.context.passivePolicy))
                self.isPassive.store(true, ordering: .relaxed)
                self.wantsSuccessReports.store(false, ordering: .relaxed)
                return (Self.restart(from: check.health), nil)
            case (.passive(let ejection), .some(let new)):
                state.timer?.cancel()
                state.timer = nil
                var check = Self.makeCheck(new, context: self.context, health: .unchecked)
                let step = check.start(now: self.clock.now)
                state.mode = .active(check, new)
                self.isPassive.store(false, ordering: .relaxed)
                self.wantsSuccessReports.store(false, ordering: .relaxed)
                return (Self.restart(from: ejection.health), self.carryOut(step.probe, spec: new, state: &state))
            case (.passive, .none):
                return (nil, nil)
            }
        }
        self.finish(transition, probe)
    }

    // MARK: Carrying out actions

    /// A probe started under the lock, whose completion callback is registered after it (callbacks never run
    /// under the lock).
    private struct Launched {
        var future: EventLoopFuture<ProbeResult>
        var number: UInt64
    }

    private func carryOut(
        _ action: ProbeScheduler<Clock>.Action,
        spec: HealthCheckSpec,
        state: inout State
    ) -> Launched? {
        switch action {
        case .probeNow:
            state.timer?.cancel()
            state.timer = nil
            state.probeNumber &+= 1
            let future = self.context.probe.run(spec, state.endpoint, self.loop)
            state.inFlight = future
            return Launched(future: future, number: state.probeNumber)
        case .probeAt(let instant, let token):
            state.timer?.cancel()
            state.timer = self.loop.scheduleTask(deadline: instant.deadline) { self.handleTimer(token: token) }
            return nil
        case .none:
            return nil
        }
    }

    private func armEjectionTimer(until end: Clock.Instant, state: inout State) {
        state.timer?.cancel()
        state.timer = self.loop.scheduleTask(deadline: end.deadline) { self.handleEjectionTimer() }
    }

    private func finish(_ transition: HealthTransition?, _ probe: Launched?) {
        if let probe {
            let number = probe.number
            probe.future.whenSuccess { result in self.handleProbeResult(result, number: number) }
        }
        guard let transition else { return }
        var metadata = self.metadata
        metadata["health"] = "\(transition.to)"
        metadata["previous"] = "\(transition.from)"
        metadata["reason"] = "\(transition.reason)"
        self.context.logger.notice("backend health changed", metadata: metadata)
        self.context.onChange(
            HealthChange(key: self.key, from: transition.from, to: transition.to, reason: transition.reason)
        )
    }

    private var metadata: Logger.Metadata {
        ["service": "\(self.key.service)", "backend": "\(self.key.backend)"]
    }

    private static func makeCheck(
        _ spec: HealthCheckSpec,
        context: MonitorContext,
        health: BackendHealth
    ) -> ActiveHealthCheck<Clock> {
        ActiveHealthCheck(
            rise: spec.rise,
            fall: spec.fall,
            interval: spec.interval,
            jitter: context.jitter,
            health: health
        )
    }

    /// A change of checking kind starts the backend afresh as `unchecked`.
    private static func restart(from health: BackendHealth) -> HealthTransition? {
        health == .unchecked ? nil : HealthTransition(from: health, to: .unchecked, reason: .checkReconfigured)
    }
}
