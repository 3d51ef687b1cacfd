import FulcrumControl
import FulcrumNet
import Glibc
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Prometheus
import ServiceLifecycle
import Synchronization

/// The admin HTTP server (SPEC §3): JSON API, Prometheus metrics and the status page, on Hummingbird.
///
/// It runs on its own single event loop, never on the engine's threads, so a slow scrape or a browser cannot take
/// time from the data path; and it binds only the configured address.
public final class AdminServer: Sendable {
    private struct Running: Sendable {
        let group: ServiceGroup
        let task: Task<Void, Never>
    }

    private let controller: Controller
    private let listen: IPEndpoint
    private let registry: PrometheusCollectorRegistry
    private let info: AdminServerInfo
    private let logger: Logger
    private let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let running = Mutex<Running?>(nil)
    private let shuttingDown = ServingState()

    /// - Parameters:
    ///   - listen: the address to bind (`admin.listen`).
    ///   - registry: the Prometheus registry `/metrics` exposes (the executable bootstraps swift-metrics with it).
    ///   - info: what `GET /api/v1/info` and the status page show about this process.
    public init(
        controller: Controller, listen: IPEndpoint, registry: PrometheusCollectorRegistry, info: AdminServerInfo,
        logger: Logger
    ) {
        self.controller = controller
        self.listen = listen
        self.registry = registry
        self.info = info
        self.logger = logger
    }

    /// Binds and starts serving; returns the bound address (a configured port 0 resolved). Throws when the address
    /// cannot be bound, naming it.
    public func start() async throws(AdminServerError) -> IPEndpoint {
        let (events, event) = AsyncStream<Result<IPEndpoint, AdminServerError>>.makeStream()
        let listen = self.listen
        let api = AdminAPI(
            controller: self.controller, metrics: MetricsExporter(registry: self.registry), info: self.info,
            serving: self.shuttingDown)
        let responder = AdminResponder(api: api)
        let application = Application(
            responder: responder,
            // Browsers keep connections open; an idle one is closed after a minute.
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: ApplicationConfiguration(
                address: .hostname(listen.address.description, port: Int(listen.port)), serverName: "fulcrum"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? Int(listen.port)
                event.yield(.success(IPEndpoint(address: listen.address, port: UInt16(clamping: port))))
            },
            eventLoopGroupProvider: .shared(self.eventLoopGroup),
            logger: self.logger
        )
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [application], logger: self.logger))
        let task = Task {
            do {
                try await group.run()
                event.yield(.failure(AdminServerError(address: listen, reason: "the server stopped")))
            } catch {
                event.yield(.failure(AdminServerError(address: listen, reason: Self.describe(error))))
            }
            event.finish()
        }
        self.running.withLock { $0 = Running(group: group, task: task) }
        for await outcome in events {
            switch outcome {
            case .success(let bound):
                self.logger.notice("admin server listening", metadata: ["address": "\(bound)"])
                return bound
            case .failure(let error):
                await self.stop()
                throw error
            }
        }
        throw AdminServerError(address: listen, reason: "the server did not start")
    }

    /// Fulcrum has begun a graceful shutdown: `/healthz` answers 503 from now on, so that whatever sends traffic here
    /// stops doing so, while the API and the status page stay up to watch the drain.
    public func beginShutdown() {
        self.shuttingDown.beginShutdown()
    }

    /// Stops serving: requests in progress get a moment to finish, then every connection is closed.
    public func stop() async {
        guard let running = self.running.withLock({ $0.take() }) else {
            try? await self.eventLoopGroup.shutdownGracefully()
            return
        }
        await running.group.triggerGracefulShutdown()
        // A request held by `?wait=` may outlast a graceful stop: cancel whatever is still running after a second.
        let canceller = Task {
            try? await Task.sleep(for: .seconds(1))
            running.task.cancel()
        }
        await running.task.value
        canceller.cancel()
        // The server returns while its closed connections' handlers are still being torn down on the loop (the idle
        // timer is cancelled there); let the loop run what is queued before shutting it down.
        let loop = self.eventLoopGroup.next()
        for _ in 0..<3 { try? await loop.submit {}.get() }
        try? await self.eventLoopGroup.shutdownGracefully()
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? IOError, error.errnoCode == EADDRINUSE { return "address in use" }
        if let error = error as? IOError, error.errnoCode == EADDRNOTAVAIL { return "address not available" }
        if let error = error as? IOError, error.errnoCode == EACCES { return "permission denied" }
        return "\(error)"
    }
}

/// The admin server could not start.
public struct AdminServerError: Error, Sendable, CustomStringConvertible {
    /// The address that was to be bound.
    public let address: IPEndpoint
    /// Why, as a phrase.
    public let reason: String

    /// One sentence naming the address and the reason.
    public var description: String { "cannot start the admin server on \(self.address): \(self.reason)" }
}

/// Whether Fulcrum is still serving or shutting down, for `/healthz`.
final class ServingState: Sendable {
    private let stopping = Atomic(false)

    func beginShutdown() { self.stopping.store(true, ordering: .relaxed) }
    var isShuttingDown: Bool { self.stopping.load(ordering: .relaxed) }
}
