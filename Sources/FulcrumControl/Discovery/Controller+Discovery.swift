import FulcrumConfig
import FulcrumDiscovery
import Foundation
import Logging

/// Service discovery (SPEC §8.1): one agent per service with `discovery`, whose sets go through the same path as the
/// admin API's additions and removals (one way for a backend to enter or leave a pool).
extension Controller {
    /// Starts, keeps or replaces each service's agent to match the current configuration. An agent whose settings
    /// did not change keeps running (a reload keeps the discovered backends and the registry connection); a
    /// changed one is replaced by a new agent that starts from the backends discovered so far, so that its first
    /// answer passes the mass-removal guard like any other (a wrong prefix does not empty the pool at once).
    func syncDiscoveryAgents(previous: Configuration? = nil) {
        let wanted = Dictionary(
            self.services.compactMap { service in service.config.discovery.map { (service.name, $0) } },
            uniquingKeysWith: { first, _ in first })
        for (name, running) in self.discoveryAgents {
            let before = previous?.services.first { $0.name == name }?.discovery
            guard let settings = wanted[name], settings == before else {
                self.discoveryAgents[name] = nil
                Task { await running.agent.stop() }
                if wanted[name] == nil {
                    self.discoveryState.forget(service: name)
                    self.logger.notice("discovery stopped", metadata: ["service": "\(name)"])
                }
                continue
            }
        }
        for service in self.services {
            guard let settings = service.config.discovery, self.discoveryAgents[service.name] == nil else { continue }
            self.startDiscovery(for: service, settings: settings)
        }
    }

    private func startDiscovery(for service: RuntimeService, settings: DiscoveryConfig) {
        let origin = BackendOrigin(settings.source)
        let current = service.discovered(origin).map {
            DiscoveredBackend(address: $0.address, endpoint: $0.endpoint, weight: $0.weight)
        }
        let token = UUID()
        let name = service.name
        var policy = DiscoveryMembership<ContinuousClock>.Policy(maxDrop: settings.maxDrop, holdDrop: settings.holdDrop)
        if case .dns(let dns) = settings.source { policy.holdEmpty = dns.holdEmpty }
        var logger = self.logger
        logger[metadataKey: "component"] = "discovery"
        let agent = DiscoveryAgent(
            service: name, source: self.discoverySources.make(name, settings.source), policy: policy,
            current: current, saved: current.isEmpty ? self.discoveryState.saved(service: name, kind: origin) : nil,
            logger: logger,
            apply: { [weak self] backends in await self?.discoveryApplied(service: name, token: token, backends) }
        )
        self.discoveryAgents[name] = RunningDiscovery(agent: agent, token: token)
        agent.start()
    }

    /// A service's agent settled on a new set: make the pool match it, republish, save it as last known good.
    private func discoveryApplied(service name: String, token: UUID, _ backends: [DiscoveredBackend]) {
        guard self.discoveryAgents[name]?.token == token,
            let index = self.services.firstIndex(where: { $0.name == name }),
            let settings = self.services[index].config.discovery
        else { return }
        let origin = BackendOrigin(settings.source)
        let changes = self.services[index].applyDiscovered(backends, origin: origin)
        if !changes.isEmpty {
            // Targets first: new backends' routes carry their passive-health handles.
            self.updateHealthTargets()
            self.republish()
            self.logger.notice(
                "discovery: backends updated",
                metadata: [
                    "service": "\(name)", "source": "\(origin.rawValue)", "changes": "\(changes.summary)",
                    "backends": "\(backends.count)",
                ])
        }
        self.discoveryState.save(service: name, kind: origin, backends: backends)
    }

    /// The status of a service's discovery, for the API and the metrics.
    func discoveryStatus(of service: String) -> DiscoveryStatus? {
        self.discoveryAgents[service]?.agent.status
    }
}

/// A service's agent and the token its reports carry (a replaced agent's late reports are ignored).
struct RunningDiscovery: Sendable {
    let agent: DiscoveryAgent
    let token: UUID
}

extension BackendOrigin {
    init(_ source: DiscoveryConfig.Source) {
        switch source {
        case .dns: self = .dns
        case .etcd: self = .etcd
        }
    }
}
