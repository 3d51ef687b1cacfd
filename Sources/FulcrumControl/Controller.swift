import FulcrumBalancing
import FulcrumConfig
import FulcrumDiscovery
import FulcrumEngine
import FulcrumHealth
import FulcrumNet
import Logging
import NIOCore
import NIOPosix

/// The control plane: owns the running configuration and every service's backends, turns them into routing tables
/// for the engine, and applies every change — a reload, a health transition, an admin API call — one at a time
/// (an actor serializes them, so two reloads never interleave).
public actor Controller {
    public nonisolated let engine: Engine
    public nonisolated let health: HealthMonitor
    let loader: ConfigLoader
    let logger: Logger
    var configuration: Configuration
    var services: [RuntimeService] = []
    private let healthChanges: AsyncStream<HealthChange>
    private var backgroundTasks: [Task<Void, Never>] = []
    /// Makes each service's registry client.
    let discoverySources: DiscoverySourceFactory
    /// One per service with `discovery`, by service name.
    var discoveryAgents: [String: RunningDiscovery] = [:]
    /// The last known good discovered backends, on disk.
    var discoveryState: DiscoveryStateStore
    /// The reload being applied, if any: the next one waits for it.
    private var reloadInProgress: Task<Void, Never>?

    /// - Parameters:
    ///   - engine: the data plane, already started.
    ///   - configuration: the validated file to start with (`start()` applies it).
    ///   - loader: reads the file again on reload, with the same resolver.
    ///   - healthGroup: event loops for health probes (never the data plane's threads).
    ///   - discoverySources: makes the registry clients of services with `discovery` (default: the real ones, on
    ///     `healthGroup`).
    public init(
        engine: Engine, configuration: Configuration, loader: ConfigLoader, healthGroup: any EventLoopGroup,
        discoverySources: DiscoverySourceFactory? = nil, logger: Logger
    ) {
        self.engine = engine
        self.configuration = configuration
        self.loader = loader
        self.logger = logger
        self.discoverySources = discoverySources ?? .registries(group: healthGroup, logger: logger)
        self.discoveryState = DiscoveryStateStore(configuration: configuration, logger: logger)
        let (stream, continuation) = AsyncStream<HealthChange>.makeStream()
        self.healthChanges = stream
        var healthLogger = logger
        healthLogger[metadataKey: "component"] = "health"
        self.health = HealthMonitor(group: healthGroup, logger: healthLogger) { change in
            continuation.yield(change)
        }
    }

    /// The configuration currently applied.
    public var currentConfiguration: Configuration { self.configuration }

    /// Applies the initial configuration: binds every listener (an address that cannot be bound fails the start,
    /// naming it), starts health checking and the background housekeeping.
    public func start() throws(EngineError) {
        self.services = self.configuration.services.map { RuntimeService(config: $0) }
        // Targets first: the routing table carries each backend's passive-health handle.
        self.updateHealthTargets()
        do {
            try self.publish()
        } catch {
            self.health.setTargets([])
            throw error
        }
        let changes = self.healthChanges
        self.backgroundTasks.append(Task { [weak self] in
            for await change in changes {
                await self?.healthChanged(change)
            }
        })
        self.backgroundTasks.append(Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                await self?.collectDrainedBackends()
            }
        })
        self.syncDiscoveryAgents()
    }

    /// Stops discovery, health checking and housekeeping (the engine is stopped by its owner).
    public func stop() async {
        for task in self.backgroundTasks { task.cancel() }
        self.backgroundTasks.removeAll()
        let agents = self.discoveryAgents.values.map(\.agent)
        self.discoveryAgents.removeAll()
        for agent in agents { await agent.stop() }
        await self.health.shutdown()
    }

    // MARK: - Routing

    /// Builds the routing table from the current state and hands it to the engine.
    func publish() throws(EngineError) {
        try self.engine.apply(self.makeRoutingTable(self.services))
    }

    func makeRoutingTable(_ services: [RuntimeService]) -> RoutingTable {
        var routes: [ServiceRoute] = []
        var listeners: [ListenerKey: Int] = [:]
        for service in services {
            let balancer = Balancers.make(
                algorithm: service.config.balance, hashKey: service.config.hashKey, members: service.members,
                rotation: service.rotation)
            let byID = Dictionary(uniqueKeysWithValues: service.backends.map { ($0.id, $0) })
            let backends = balancer.members.map { member in
                let backend = byID[member.id]!
                let reporter = self.health.reporter(for: HealthTargetKey(service: service.name, backend: backend.address))
                return BackendRoute(
                    id: backend.id, address: backend.address, endpoint: backend.endpoint, stats: backend.stats,
                    health: reporter.map(PassiveHealthHandle.init))
            }
            let transport: Transport = service.config.protocol == .tcp ? .tcp : .udp
            for endpoint in service.config.listen {
                listeners[ListenerKey(endpoint: endpoint, transport: transport)] = routes.count
            }
            routes.append(ServiceRoute(
                name: service.name, settings: ServiceSettings(service.config), balancer: balancer,
                backends: backends, stats: service.stats, sources: service.sources))
        }
        return RoutingTable(services: routes, listeners: listeners)
    }

    /// Republishes after a change that cannot fail to apply (listeners are unchanged).
    func republish() {
        do {
            try self.publish()
        } catch {
            // Only a new listener can fail to bind, and the caller changed none.
            self.logger.error("cannot publish routing: \(error)")
        }
    }

    /// Watches exactly the live backends of the current services. Call it before building a routing table that
    /// gains backends: the table takes each backend's passive-health handle from the monitor.
    func updateHealthTargets() {
        self.health.setTargets(Self.healthTargets(of: self.services))
    }

    /// One health target per live backend (a removed one drains unchecked: it gets no new connections).
    static func healthTargets(of services: [RuntimeService]) -> [HealthTarget] {
        var targets: [HealthTarget] = []
        for service in services {
            let check = HealthCheckSpec.make(for: service.config)
            for backend in service.backends where !backend.removing {
                targets.append(HealthTarget(
                    key: HealthTargetKey(service: service.name, backend: backend.address),
                    endpoint: backend.endpoint, check: check))
            }
        }
        return targets
    }

    private func healthChanged(_ change: HealthChange) {
        guard let serviceIndex = self.services.firstIndex(where: { $0.name == change.key.service }),
            let backendIndex = self.services[serviceIndex].liveBackendIndex(change.key.backend)
        else { return }
        let wasEligible = self.services[serviceIndex].backends[backendIndex].isEligible
        self.services[serviceIndex].backends[backendIndex].health = change.to
        if self.services[serviceIndex].backends[backendIndex].isEligible != wasEligible { self.republish() }
    }

    private func collectDrainedBackends() {
        for index in self.services.indices {
            for address in self.services[index].collectDrained() {
                self.logger.info(
                    "backend drained and removed", metadata: ["service": "\(self.services[index].name)", "backend": "\(address)"])
            }
        }
    }

    // MARK: - Reload

    /// Re-reads the configuration file and applies it (SPEC §5): an invalid file changes nothing; a valid one is
    /// applied as a diff; a listener that cannot bind fails the whole reload and keeps the running configuration.
    public func reload() async -> ReloadOutcome {
        // The file is read off the actor (an await), so another reload could start meanwhile: chain them, so that
        // reloads still apply one at a time and in the order they were asked for.
        let previous = self.reloadInProgress
        let reload = Task { () -> ReloadOutcome in
            await previous?.value
            return await self.performReload()
        }
        self.reloadInProgress = Task { _ = await reload.value }
        return await reload.value
    }

    private func performReload() async -> ReloadOutcome {
        let result = await self.loadConfigurationFile()
        guard let next = result.configuration else {
            for error in result.errors { self.logger.error("reload rejected: \(error)") }
            return .invalid(result.errors.map(\.description))
        }
        let comparison = ConfigComparison(old: self.configuration, new: next)
        var nextServices: [RuntimeService] = []
        for config in next.services {
            if var existing = self.services.first(where: { $0.name == config.name }),
                existing.config.protocol == config.protocol
            {
                existing.reconcile(with: config)
                nextServices.append(existing)
            } else {
                nextServices.append(RuntimeService(config: config))
            }
        }
        // The new table needs the new backends' health handles, and a reload that fails to bind must not lose the
        // health of backends it would have removed: watch both sets until the outcome is known.
        let runningTargets = Self.healthTargets(of: self.services)
        self.health.setTargets(runningTargets + Self.healthTargets(of: nextServices))
        do {
            try self.engine.apply(self.makeRoutingTable(nextServices))
        } catch {
            self.health.setTargets(runningTargets)
            self.logger.error("reload failed, running configuration kept: \(error)")
            return .failed(error.description)
        }
        // Health state of backends that stay carries over; removed services' backends stop being checked.
        for serviceIndex in nextServices.indices {
            for backendIndex in nextServices[serviceIndex].backends.indices {
                let backend = nextServices[serviceIndex].backends[backendIndex]
                let key = HealthTargetKey(service: nextServices[serviceIndex].name, backend: backend.address)
                if let health = self.health.health(of: key) {
                    nextServices[serviceIndex].backends[backendIndex].health = health
                }
            }
        }
        let previous = self.configuration
        self.services = nextServices
        self.configuration = next
        self.discoveryState.configurationChanged(next)
        self.syncDiscoveryAgents(previous: previous)
        self.updateHealthTargets()
        // The health carried over may have made a backend ineligible that the table above counted as unchecked.
        self.republish()
        let summary = comparison.lines.isEmpty ? "no changes" : comparison.lines.joined(separator: "; ")
        self.logger.notice("reload applied: \(summary)")
        return .applied(comparison.lines)
    }

    /// Reads and validates the configuration file off the actor and off the concurrency pool: host names in
    /// `backends` are resolved with the blocking system resolver (seconds, when a DNS server is slow), which must
    /// hold up neither the control plane nor one of the pool's few threads. NIO's pool for blocking work runs it.
    private func loadConfigurationFile() async -> ConfigLoadResult {
        await Self.blocking { [loader = self.loader, path = self.configuration.sourcePath] in loader.load(path: path) }
    }

    /// Runs `work`, which blocks, on NIO's thread pool for blocking work.
    static func blocking<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
        do {
            return try await NIOThreadPool.singleton.runIfActive(work)
        } catch {
            // The pool is only inactive once the process is shutting down; do the work here then.
            return work()
        }
    }

    /// What a reload would change, without applying it: the `fulcrum diff` lines against the running
    /// configuration, and for every hash service whose table would change, the share of flows that would move.
    public func reloadDryRun() async -> DryRunOutcome {
        let result = await self.loadConfigurationFile()
        guard let next = result.configuration else { return .invalid(result.errors.map(\.description)) }
        let comparison = ConfigComparison(old: self.configuration, new: next)
        return .report(changes: comparison.lines, flowsMoved: comparison.flowsMoved)
    }
}

/// The result of `Controller.reload()`.
public enum ReloadOutcome: Sendable, Equatable {
    /// Applied; the change lines (empty when nothing changed).
    case applied([String])
    /// The file is invalid: `PATH:LINE:COLUMN: message` lines. Nothing changed.
    case invalid([String])
    /// Valid but could not be applied (a listener could not bind). Nothing changed.
    case failed(String)
}

/// The result of `Controller.reloadDryRun()`.
public enum DryRunOutcome: Sendable, Equatable {
    case report(changes: [String], flowsMoved: [String: Double])
    case invalid([String])
}
