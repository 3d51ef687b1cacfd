import FulcrumAdmin
import FulcrumConfig
import FulcrumControl
import FulcrumEngine
import FulcrumHealth
import FulcrumNet
import Logging
import Metrics
import NIOCore
import NIOPosix
import Prometheus
import Synchronization
import UnixSignals

/// `fulcrum run`: loads the configuration, starts the engine and the control plane, and serves until SIGTERM or
/// SIGINT, reloading on SIGHUP (SPEC §1).
struct FulcrumServer {
    let configPath: String
    let threads: Int?
    let logger: Logger
    /// The format of every log line; the access log, written apart from swift-log, follows it too.
    let logFormat: LogFormat

    /// What a started server listens on (the demo prints it).
    struct Started: Sendable {
        let listeners: [ListenerKey: IPEndpoint]
        let configuration: Configuration
        /// The admin server's address, when the configuration has an `admin` section.
        let admin: IPEndpoint?
    }

    /// Serves until shut down; returns the process exit code. `onStarted` runs once everything is listening.
    func run(onStarted: @Sendable (Started) -> Void = { _ in }) async -> Int32 {
        // Trap signals before anything else: a SIGTERM that arrives once "fulcrum started" is out must be a graceful
        // shutdown, never the default action.
        let signals = await UnixSignalsSequence(trapping: .sighup, .sigterm, .sigint)
        let loader = ConfigLoader()
        let loaded = loader.load(path: self.configPath)
        for warning in loaded.warnings { StandardError.print(warning.description) }
        guard let configuration = loaded.configuration, loaded.errors.isEmpty else {
            for error in loaded.errors { StandardError.print(error.description) }
            return 1
        }

        let engine: Engine
        do {
            // Access records go out at info: below that level the engine need not write them at all.
            let accessLogged = Logger(label: "fulcrum.access").logLevel <= .info
            engine = try Engine(threads: self.threads, recordsAccess: accessLogged, logger: self.logger)
        } catch {
            StandardError.print("fulcrum: \(error)")
            return 1
        }
        let healthGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let controller = Controller(
            engine: engine, configuration: configuration, loader: loader, healthGroup: healthGroup,
            logger: self.logger)
        do {
            try await controller.start()
        } catch {
            StandardError.print("fulcrum: \(error)")
            engine.shutdown()
            try? await healthGroup.shutdownGracefully()
            return 1
        }

        var admin: (server: AdminServer, address: IPEndpoint)?
        if let settings = configuration.admin {
            let server = AdminServer(
                controller: controller, listen: settings.listen, registry: FulcrumServer.metricsRegistry,
                info: AdminServerInfo(version: FulcrumVersion.current, configPath: self.configPath),
                logger: self.logger)
            do {
                admin = (server, try await server.start())
            } catch {
                StandardError.print("fulcrum: \(error)")
                await controller.stop()
                engine.shutdown()
                try? await healthGroup.shutdownGracefully()
                return 1
            }
        }

        let accessLog = AccessLogWriter(engine: engine, format: self.logFormat) { StandardOutput.print($0) }
        let accessTask = Task { await accessLog.run() }
        let listeners = engine.boundListeners
        self.logger.notice(
            "fulcrum started",
            metadata: [
                "version": "\(FulcrumVersion.current)", "config": "\(self.configPath)",
                "engine_threads": .stringConvertible(engine.threadCount),
                "listeners": "\(listeners.values.map(\.description).sorted().joined(separator: ","))",
                "admin": "\(admin.map { "http://\($0.address)/" } ?? "none")",
            ])
        onStarted(Started(listeners: listeners, configuration: configuration, admin: admin?.address))

        await self.handleSignals(signals, controller: controller, engine: engine, admin: admin?.server)

        // The admin server stays up while connections drain, so the drain can be watched; it stops last.
        await admin?.server.stop()
        accessTask.cancel()
        _ = await accessTask.value
        await controller.stop()
        engine.shutdown()
        try? await healthGroup.shutdownGracefully()
        self.logger.notice("fulcrum stopped")
        return 0
    }

    /// The registry `/metrics` exposes. swift-metrics is bootstrapped with it once per process (only the executable
    /// does that), so metrics recorded through swift-metrics anywhere in Fulcrum land in the same exposition.
    static let metricsRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// SIGHUP reloads; the first SIGTERM/SIGINT starts a graceful shutdown, a second one ends it at once.
    /// Returns when the shutdown is complete.
    private func handleSignals(
        _ signals: UnixSignalsSequence, controller: Controller, engine: Engine, admin: AdminServer?
    ) async {
        let state = ShutdownState()
        let (requests, request) = AsyncStream<Duration>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await signal in signals {
                    switch signal {
                    case .sighup:
                        guard !state.isShuttingDown else { continue }
                        self.logger.notice("SIGHUP: reloading \(self.configPath)")
                        _ = await controller.reload()
                    case .sigterm, .sigint:
                        if state.beginShutdown() {
                            let grace = await controller.currentConfiguration.shutdownGrace
                            self.logger.notice("\(signal): shutting down, open connections may finish within \(grace)")
                            request.yield(grace)
                        } else {
                            self.logger.notice("\(signal) again: closing every connection now")
                            state.hurry()
                        }
                    default:
                        continue
                    }
                }
            }
            for await grace in requests {
                admin?.beginShutdown()
                await self.shutDown(engine: engine, grace: grace, state: state)
                break
            }
            group.cancelAll()
        }
    }

    /// SPEC §1: stop accepting at once (listeners closed: new clients are refused, not left hanging), let open
    /// connections finish for up to `grace` (or until a second signal), then close the rest.
    private func shutDown(engine: Engine, grace: Duration, state: ShutdownState) async {
        engine.stopAccepting()
        await engine.synchronize()
        self.logger.notice("listeners closed; \(engine.openFlows) open connection(s)")
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while engine.openFlows > 0, clock.now < deadline, !state.isHurried {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let left = engine.openFlows
        if left > 0 {
            self.logger.notice("closing \(left) connection(s) still open")
            engine.closeAllConnections()
            await engine.synchronize()
        }
    }
}

/// Where a shutdown stands, shared by the signal loop and the shutdown itself.
private final class ShutdownState: Sendable {
    private let started = Atomic(false)
    private let hurried = Atomic(false)

    /// `true` for the first caller only.
    func beginShutdown() -> Bool { !self.started.exchange(true, ordering: .relaxed) }
    var isShuttingDown: Bool { self.started.load(ordering: .relaxed) }
    func hurry() { self.hurried.store(true, ordering: .relaxed) }
    var isHurried: Bool { self.hurried.load(ordering: .relaxed) }
}
