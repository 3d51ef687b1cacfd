import FulcrumNet
import Logging
import NIOCore
import Synchronization

/// The control plane's entry point to health checking: active checks for services with `health_check`, passive
/// ejection for the others, and passive detection (failed proxied connects) for both.
///
/// Usage: create one per process on a dedicated `EventLoopGroup` (never the data plane's threads); call
/// `setTargets` with every backend of every service at start and after each reload or API change; give the data
/// plane a `reporter(for:)` handle per backend (fetched when a routing snapshot is built, never looked up per
/// connect); react to `onChange`; `await shutdown()` before shutting the group down.
///
/// Threading: each target is pinned to one loop of the group (round robin) and all its inputs are handled there,
/// with timers as `scheduleTask` on that loop. Chosen over Swift concurrency tasks because a probe is NIO I/O on
/// that same loop (no executor hop per check), a timer can be cancelled and re-armed synchronously when a passive
/// failure asks for a probe at once (a sleeping task would need cancelling and re-spawning), and a target's
/// transitions come out strictly in order.
///
/// Logging: every transition at `notice` ("backend health changed", metadata `service`, `backend`, `health`,
/// `previous`, `reason`), so the caller need not log it again; each failed check at `debug` (`reason`); passed
/// checks at `trace`; a counted proxied connect failure that changes nothing at `debug`.
public final class HealthMonitor: Sendable {
    private struct Registry: Sendable {
        var runners: [HealthTargetKey: TargetRunner] = [:]
        var isShutDown = false
    }

    private let group: any EventLoopGroup
    private let context: MonitorContext
    private let registry = Mutex(Registry())

    /// - Parameters:
    ///   - group: a NIOPosix group (e.g. `MultiThreadedEventLoopGroup(numberOfThreads: 1)`) for probes and timers.
    ///   - logger: used as is; the monitor adds `service`/`backend` metadata.
    ///   - jitter: spread of check intervals (default ±10 %).
    ///   - passivePolicy: ejection of backends without health_check (default SPEC: 3 failures, 10 s .. 5 min).
    ///   - random: source of the jitter draws (inject a seeded one in tests).
    ///   - probe: how a check talks to a backend (`.network`; tests inject scripted outcomes and a testing loop).
    ///   - onChange: called on every health transition, on one of `group`'s loops, in order per target. Keep it
    ///     short (publish a new routing snapshot); do not block.
    public init(
        group: any EventLoopGroup,
        logger: Logger,
        jitter: Jitter = .standard,
        passivePolicy: PassiveEjectionPolicy = .standard,
        random: some RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(),
        probe: HealthProbe = .network,
        onChange: @escaping @Sendable (HealthChange) -> Void
    ) {
        self.group = group
        self.context = MonitorContext(
            logger: logger,
            jitter: jitter,
            passivePolicy: passivePolicy,
            random: SharedRandom(random),
            probe: probe,
            onChange: onChange
        )
    }

    /// Replaces the set of watched backends. Targets whose key stays keep their health (SPEC §5) and take the new
    /// address/settings (a changed check probes at once); new ones start `unchecked` with a first check at once;
    /// removed ones stop (no `onChange` for them). With duplicate keys the last target wins. Ignored after
    /// `shutdown`.
    public func setTargets(_ targets: [HealthTarget]) {
        var wanted: [HealthTargetKey: HealthTarget] = [:]
        for target in targets {
            wanted[target.key] = target
        }
        var started: [TargetRunner] = []
        var updated: [(TargetRunner, HealthTarget)] = []
        var stopped: [TargetRunner] = []
        self.registry.withLock { registry in
            guard !registry.isShutDown else { return }
            var next: [HealthTargetKey: TargetRunner] = [:]
            for (key, target) in wanted {
                if let runner = registry.runners[key] {
                    next[key] = runner
                    updated.append((runner, target))
                } else {
                    let runner = TargetRunner(target: target, loop: self.group.next(), context: self.context)
                    next[key] = runner
                    started.append(runner)
                }
            }
            for (key, runner) in registry.runners where next[key] == nil {
                stopped.append(runner)
            }
            registry.runners = next
        }
        for runner in stopped {
            _ = runner.stop()
        }
        for (runner, target) in updated {
            runner.update(target)
        }
        for runner in started {
            runner.start()
        }
    }

    /// A handle for the data plane to report one target's connect outcomes without a lookup or a lock of ours. It
    /// goes inert when the target is removed (fetch handles again after `setTargets`, when building routing
    /// snapshots). `nil` for an unknown key.
    public func reporter(for key: HealthTargetKey) -> HealthReporter? {
        self.registry.withLock { $0.runners[key] }.map(HealthReporter.init(runner:))
    }

    /// The current health of a target; `nil` if it is not watched.
    public func health(of key: HealthTargetKey) -> BackendHealth? {
        self.registry.withLock { $0.runners[key] }?.health
    }

    /// The health of every watched target.
    public func healthSnapshot() -> [HealthTargetKey: BackendHealth] {
        self.registry.withLock { $0.runners }.mapValues(\.health)
    }

    /// Stops every check and timer and waits for running probes to end (each within its check's `timeout`).
    /// Later calls to `setTargets` are ignored.
    public func shutdown() async {
        let runners = self.registry.withLock { registry in
            registry.isShutDown = true
            defer { registry.runners = [:] }
            return Array(registry.runners.values)
        }
        let running = runners.compactMap { $0.stop() }
        for probe in running {
            _ = try? await probe.get()
        }
    }
}

/// Reports the outcome of proxied connects to one backend (see `HealthMonitor.reporter(for:)`). A copyable,
/// lock-free handle: keep it in the routing snapshot next to the backend.
public struct HealthReporter: Sendable {
    fileprivate let runner: TargetRunner

    fileprivate init(runner: TargetRunner) {
        self.runner = runner
    }

    /// A proxied connect to this backend succeeded. Usually one relaxed atomic load.
    public func connectSucceeded() {
        self.runner.reportConnect(success: true)
    }

    /// A proxied connect to this backend failed (refused, reset, timed out). Hops to the health loop with the
    /// loop's `execute` (NIO's task queue), the way Envoy's outlier detector posts to its main dispatcher.
    public func connectFailed() {
        self.runner.reportConnect(success: false)
    }
}
