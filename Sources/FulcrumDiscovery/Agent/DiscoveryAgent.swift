import Foundation
import Logging
import Synchronization

/// Follows one service's registry: runs its source, passes every answer through the membership rules
/// (`DiscoveryMembership`: mass-removal guard, `hold_empty`), hands each new set to `apply`, and keeps the status
/// the API and the metrics show. One agent per service with `discovery`; the control plane starts it, stops it,
/// and replaces it when a reload changes the service's discovery settings.
///
/// Logging (SPEC §8.1): an outage at `warning` when it starts (the first failed attempt) and at `notice` when it
/// ends (the next answer); a held update at `warning`; a skipped registry entry at `warning` with its key; every
/// applied change at `notice` (what was added and removed).
public final class DiscoveryAgent: Sendable {
    /// The last known good set this agent may fall back to when the registry is unreachable at start.
    public struct Saved: Sendable {
        public var backends: [DiscoveredBackend]
        /// When it was saved, for the log line.
        public var savedAt: String

        public init(backends: [DiscoveredBackend], savedAt: String) {
            self.backends = backends
            self.savedAt = savedAt
        }
    }

    private enum Event: Sendable {
        case snapshot([DiscoveredBackend])
        case failure(String)
        case rejected(key: String, reason: String)
        case timer(generation: UInt64)
    }

    private struct State: Sendable {
        var membership: DiscoveryMembership<ContinuousClock>
        var status: DiscoveryStatus
        var answeredOnce = false
        var outageSince: ContinuousClock.Instant?
        var timer: Task<Void, Never>?
        var timerGeneration: UInt64 = 0
    }

    public let service: String
    private let source: any DiscoverySource
    private let saved: Saved?
    private let logger: Logger
    private let apply: @Sendable ([DiscoveredBackend]) async -> Void
    private let state: Mutex<State>
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let clock = ContinuousClock()

    /// - Parameters:
    ///   - current: the discovered backends the service has now (those of an agent this one replaces; else none).
    ///   - saved: the last known good set, used only if the registry's first attempt fails and nothing is current.
    ///   - apply: receives each new set (complete, in address order). Called from the agent's task, one at a time.
    public init(
        service: String, source: any DiscoverySource, policy: DiscoveryMembership<ContinuousClock>.Policy,
        current: [DiscoveredBackend] = [], saved: Saved? = nil, logger: Logger,
        apply: @escaping @Sendable ([DiscoveredBackend]) async -> Void
    ) {
        self.service = service
        self.source = source
        self.saved = saved
        self.apply = apply
        var logger = logger
        logger[metadataKey: "service"] = "\(service)"
        logger[metadataKey: "source"] = "\(source.kind.rawValue)"
        self.logger = logger
        var status = DiscoveryStatus(kind: source.kind)
        status.backends = current.count
        self.state = Mutex(State(membership: DiscoveryMembership(policy: policy, current: current), status: status))
    }

    public var kind: DiscoveryKind { self.source.kind }

    /// What the API and metrics show now.
    public var status: DiscoveryStatus { self.state.withLock { $0.status } }

    /// The discovered backends in use now.
    public var backends: [DiscoveredBackend] { self.state.withLock { $0.membership.backends } }

    /// Starts following the registry.
    public func start() {
        let (events, continuation) = AsyncStream<Event>.makeStream()
        let report = DiscoveryReport(
            snapshot: { continuation.yield(.snapshot($0)) },
            failure: { continuation.yield(.failure($0)) },
            rejectedEntry: { continuation.yield(.rejected(key: $0, reason: $1)) }
        )
        let source = self.source
        let running = Task { await source.run(report) }
        let consuming = Task {
            for await event in events {
                await self.handle(event, continuation: continuation)
            }
        }
        self.tasks.withLock { $0 = [running, consuming] }
        self.logger.info("discovery started")
    }

    /// Stops following the registry (the discovered backends stay where they are; the caller decides).
    public func stop() async {
        let tasks = self.tasks.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        let timer = self.state.withLock { state in
            defer { state.timer = nil }
            return state.timer
        }
        timer?.cancel()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    private func handle(_ event: Event, continuation: AsyncStream<Event>.Continuation) async {
        let now = self.clock.now
        switch event {
        case .snapshot(let answer):
            let (outcome, outageEnded) = self.state.withLock { state in
                let outcome = state.membership.registryAnswered(answer, now: now)
                let ended = state.outageSince.map { $0.duration(to: now) }
                state.outageSince = nil
                state.answeredOnce = true
                state.status.error = nil
                state.status.lastSuccessNanoseconds = Self.wallClockNanoseconds()
                return (outcome, ended)
            }
            if let outageEnded {
                self.logger.notice("discovery: registry answers again", metadata: ["outage": "\(outageEnded)"])
            }
            await self.carryOut(outcome, continuation: continuation)
        case .failure(let reason):
            let (startsOutage, fallBack) = self.state.withLock { state -> (Bool, [DiscoveredBackend]?) in
                state.status.errorsTotal += 1
                state.status.error = reason
                let starts = state.outageSince == nil
                if starts { state.outageSince = now }
                var fallBack: [DiscoveredBackend]?
                if !state.answeredOnce, state.membership.current.isEmpty, let saved = self.saved,
                    !saved.backends.isEmpty
                {
                    state.answeredOnce = true
                    state.membership = DiscoveryMembership(policy: state.membership.policy, current: saved.backends)
                    state.status.backends = saved.backends.count
                    fallBack = state.membership.backends
                }
                return (starts, fallBack)
            }
            if startsOutage {
                self.logger.warning(
                    "discovery: registry unreachable, keeping the backends it gave last",
                    metadata: ["reason": "\(reason)", "backends": "\(self.status.backends)"])
            } else {
                self.logger.debug("discovery: attempt failed", metadata: ["reason": "\(reason)"])
            }
            if let fallBack, let saved = self.saved {
                self.logger.notice(
                    "discovery: registry unreachable at start, serving the last known good backends saved \(saved.savedAt)",
                    metadata: ["backends": "\(fallBack.count)"])
                await self.apply(fallBack)
            }
        case .rejected(let key, let reason):
            self.state.withLock { $0.status.rejectedTotal += 1 }
            self.logger.warning("discovery: registry entry skipped", metadata: ["key": "\(key)", "reason": "\(reason)"])
        case .timer(let generation):
            let outcome = self.state.withLock { state -> DiscoveryMembership<ContinuousClock>.Outcome? in
                guard generation == state.timerGeneration else { return nil }
                state.timer = nil
                return state.membership.timerFired(now: now)
            }
            if let outcome { await self.carryOut(outcome, continuation: continuation) }
        }
    }

    private func carryOut(
        _ outcome: DiscoveryMembership<ContinuousClock>.Outcome, continuation: AsyncStream<Event>.Continuation
    ) async {
        let policy = self.state.withLock { state -> DiscoveryMembership<ContinuousClock>.Policy in
            state.status.held = state.membership.isHolding ? 1 : 0
            if outcome.holdStarted != nil { state.status.heldTotal += 1 }
            state.status.backends = state.membership.current.count
            state.timer?.cancel()
            state.timer = nil
            if let wakeAt = outcome.wakeAt {
                state.timerGeneration &+= 1
                let generation = state.timerGeneration
                state.timer = Task {
                    try? await Task.sleep(until: wakeAt, clock: ContinuousClock())
                    if !Task.isCancelled { continuation.yield(.timer(generation: generation)) }
                }
            }
            return state.membership.policy
        }
        if let held = outcome.holdStarted {
            self.logger.warning(
                "discovery: update held, it would remove \(held.removing) of \(held.of) backends at once",
                metadata: [
                    "max_drop": "\(Int((policy.maxDrop * 100).rounded()))%", "hold_drop": "\(policy.holdDrop)",
                ])
        }
        if outcome.holdWithdrawn {
            self.logger.notice("discovery: held update withdrawn, the registry no longer removes that many backends")
        }
        if outcome.holdExpired {
            self.logger.notice("discovery: held update applied, it stood for \(policy.holdDrop)")
        }
        if outcome.emptyHeld, let holdEmpty = policy.holdEmpty {
            self.logger.notice("discovery: the registry names no backend; keeping the current ones for \(holdEmpty)")
        }
        if let applied = outcome.applied {
            await self.apply(applied)
        }
    }

    private static func wallClockNanoseconds() -> UInt64 {
        UInt64(max(0, Date().timeIntervalSince1970 * 1e9))
    }
}
