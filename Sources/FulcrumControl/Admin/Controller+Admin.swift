import FulcrumBalancing
import FulcrumConfig
import FulcrumEngine
import FulcrumHealth
import FulcrumNet
import Logging

/// What the admin server reads and changes (SPEC §3). Every change goes through the actor, so it is applied to the
/// routing table atomically (one `publish`) and never interleaves with a reload or a health transition. Changes last
/// until the next reload, which re-applies the file.
extension Controller {
    // MARK: - Reading

    /// Every service with its backends and live figures, in file order.
    public func serviceStatuses() -> [ServiceStatus] {
        let routing = self.engine.routing
        let bound = self.engine.boundListeners
        return self.services.map { self.status(of: $0, routing: routing, bound: bound) }
    }

    /// One service.
    public func serviceStatus(named name: String) throws(AdminError) -> ServiceStatus {
        guard let service = self.services.first(where: { $0.name == name }) else { throw .unknownService(name) }
        return self.status(of: service, routing: self.engine.routing, bound: self.engine.boundListeners)
    }

    /// The bearer token mutating admin requests need, as read by the last (re)load; `nil` when none is configured.
    public var adminToken: String? { self.configuration.admin?.token }

    // MARK: - Changing backends

    /// Adds a backend to a service (`POST .../backends`). A host name is resolved first, off the actor. The backend
    /// is health-checked like a configured one (it starts `unchecked`, which counts as up).
    public func addBackend(service name: String, address: String, weight: Int) async throws(AdminError)
        -> BackendStatus
    {
        try Self.checkWeight(weight)
        guard self.services.contains(where: { $0.name == name }) else { throw .unknownService(name) }
        let endpoint: IPEndpoint
        switch AddressText.parse(address, allowHostname: true) {
        case .failure(let failure):
            throw AdminError(.invalid, "invalid backend address '\(address)': \(failure.reason)")
        case .success(.literal(let literal)):
            endpoint = literal
        case .success(.hostname(let host, let port)):
            let resolver = self.loader.resolver
            // getaddrinfo blocks: keep it off the actor and off the concurrency pool.
            let result = await Self.blocking { resolver.resolve(host: host, port: port) }
            switch result {
            case .success(let resolved): endpoint = resolved
            case .failure(let failure):
                throw AdminError(.invalid, "cannot resolve '\(host)': \(failure.message)")
            }
        }
        // The service may have changed while the name was being resolved: look it up again.
        guard let serviceIndex = self.services.firstIndex(where: { $0.name == name }) else {
            throw .unknownService(name)
        }
        guard self.services[serviceIndex].liveBackendIndex(address) == nil else {
            throw AdminError(.conflict, "service '\(name)' already has a backend '\(address)'")
        }
        let added = self.services[serviceIndex].addBackend(
            address: address, endpoint: endpoint, weight: weight, maxConnections: nil, origin: .api)
        self.updateHealthTargets()
        self.republish()
        self.logger.notice(
            "admin: backend added",
            metadata: ["service": "\(name)", "backend": "\(address)", "weight": .stringConvertible(weight)])
        return Self.status(of: added)
    }

    /// Changes a backend's weight and/or state (`PATCH .../backends/{address}`). `draining` keeps its open
    /// connections and gives it no new ones; `enabled` gives it new ones again.
    public func updateBackend(
        service name: String, address: String, weight: Int?, state: BackendAdminState?
    ) throws(AdminError) -> BackendStatus {
        if let weight { try Self.checkWeight(weight) }
        let (serviceIndex, backendIndex) = try self.liveBackend(service: name, address: address)
        let before = self.services[serviceIndex].backends[backendIndex]
        if let weight { self.services[serviceIndex].backends[backendIndex].weight = weight }
        if let state { self.services[serviceIndex].backends[backendIndex].adminState = state }
        let after = self.services[serviceIndex].backends[backendIndex]
        if after.weight != before.weight || after.adminState != before.adminState {
            self.republish()
            self.logger.notice(
                "admin: backend changed",
                metadata: [
                    "service": "\(name)", "backend": "\(address)", "weight": .stringConvertible(after.weight),
                    "state": "\(after.adminState.rawValue)",
                ])
        }
        return Self.status(of: after)
    }

    /// Deletes a backend (`DELETE .../backends/{address}`): no new connections from now on; it stays listed as
    /// `draining` until its last connection ends, then disappears.
    public func deleteBackend(service name: String, address: String) throws(AdminError) -> BackendStatus {
        let (serviceIndex, backendIndex) = try self.liveBackend(service: name, address: address)
        self.services[serviceIndex].backends[backendIndex].removing = true
        self.services[serviceIndex].backends[backendIndex].adminState = .draining
        self.republish()
        self.updateHealthTargets()
        self.logger.notice(
            "admin: backend deleted, draining", metadata: ["service": "\(name)", "backend": "\(address)"])
        return Self.status(of: self.services[serviceIndex].backends[backendIndex])
    }

    /// Waits until the backend has no open connection or UDP session left, or `timeout` passes (`PATCH ...?wait=`).
    /// Returns its status at that moment and whether it emptied in time. A backend that disappears meanwhile (it
    /// was deleted and has drained) counts as drained.
    public func waitUntilDrained(service name: String, address: String, timeout: Duration) async throws(AdminError)
        -> (status: BackendStatus, drained: Bool)
    {
        let (serviceIndex, backendIndex) = try self.liveBackend(service: name, address: address)
        let watched = self.services[serviceIndex].backends[backendIndex]
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        // The stats object is shared with the data plane: polling it needs no actor state, and the actor stays free
        // for other requests while this one sleeps.
        while watched.stats.activeConnections > 0, clock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: min(.milliseconds(20), deadline - clock.now))
        }
        let drained = watched.stats.activeConnections == 0
        let current = self.services.first(where: { $0.name == name })?.backends.first(where: { $0.id == watched.id })
        return (Self.status(of: current ?? watched), drained)
    }

    // MARK: - Routing questions

    /// Which backend a new flow from `client` would get now, and why (`GET .../route?client=`). Asks the balancer of
    /// the routing table the data plane uses, without moving any rotation: exact for the hash algorithms, the current
    /// choice for the load-based ones.
    public nonisolated func route(service name: String, client: IPEndpoint) throws(AdminError) -> RouteAnswer {
        guard let route = self.engine.routing.services.first(where: { $0.name == name }) else {
            throw .unknownService(name)
        }
        let normalized = IPEndpoint(address: client.address.unmapped, port: client.port)
        let explanation = route.balancer.explain(
            PickContext(client: normalized, random: UInt64.random(in: .min ... .max)))
        guard let index = explanation.index, route.backends.indices.contains(index) else {
            throw AdminError(.unavailable, "service '\(name)' has no eligible backend (\(explanation.reason))")
        }
        return RouteAnswer(
            service: name, client: normalized.description, backend: route.backends[index].address,
            reason: explanation.reason)
    }

    // MARK: - Helpers

    private static func checkWeight(_ weight: Int) throws(AdminError) {
        guard (0...BackendConfig.maxWeight).contains(weight) else {
            throw AdminError(.invalid, "weight must be 0 to \(BackendConfig.maxWeight), found \(weight)")
        }
    }

    /// The backend under `address` that can still be changed (not deleted).
    private func liveBackend(service name: String, address: String) throws(AdminError) -> (Int, Int) {
        guard let serviceIndex = self.services.firstIndex(where: { $0.name == name }) else {
            throw .unknownService(name)
        }
        if let backendIndex = self.services[serviceIndex].liveBackendIndex(address) {
            return (serviceIndex, backendIndex)
        }
        if self.services[serviceIndex].backends.contains(where: { $0.address == address }) {
            throw AdminError(.conflict, "backend '\(address)' of service '\(name)' is being removed")
        }
        throw .unknownBackend(address, service: name)
    }

    private func status(
        of service: RuntimeService, routing: RoutingTable, bound: [ListenerKey: IPEndpoint]
    ) -> ServiceStatus {
        let config = service.config
        let transport: Transport = config.protocol == .tcp ? .tcp : .udp
        let listen = config.listen.map { endpoint in
            (bound[ListenerKey(endpoint: endpoint, transport: transport)] ?? endpoint).description
        }
        var maglevTableSize: Int?
        if case .maglev(let size) = config.balance { maglevTableSize = size }
        let route = routing.services.first { $0.name == service.name }
        let histogram = service.stats.connectDuration.snapshot()
        return ServiceStatus(
            name: service.name,
            transport: config.protocol.rawValue,
            listen: listen,
            balance: config.balance.name,
            hashKey: config.balance.isHashing ? config.hashKey.rawValue : nil,
            maglevTableSize: maglevTableSize,
            tableFingerprint: config.balance.isHashing ? route?.balancer.tableFingerprint : nil,
            activeConnections: service.stats.activeConnections,
            totalConnections: service.stats.totalConnections,
            rejected: RejectReason.allCases.map { ($0.label, service.stats.rejected($0)) },
            udpSessionsActive: service.stats.udpSessionsActive,
            datagramsDropped: service.stats.datagramsDropped,
            connectDuration: ConnectDurationSnapshot(
                bounds: DurationHistogram.bounds, cumulativeCounts: histogram.cumulative,
                sumSeconds: histogram.sumSeconds),
            backends: service.backends.map { Self.status(of: $0) },
            discovery: self.discoveryStatus(of: service.name)
        )
    }

    private static func status(of backend: RuntimeBackend) -> BackendStatus {
        BackendStatus(
            address: backend.address,
            endpoint: backend.endpoint.description,
            weight: backend.weight,
            state: backend.adminState,
            health: backend.health,
            removing: backend.removing,
            origin: backend.origin,
            activeConnections: backend.stats.activeConnections,
            totalConnections: backend.stats.totalConnections,
            bytesIn: backend.stats.bytesIn,
            bytesOut: backend.stats.bytesOut,
            connectFailures: backend.stats.connectFailures,
            maxConnections: backend.maxConnections
        )
    }
}
