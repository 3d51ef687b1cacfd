import FulcrumBalancing
import FulcrumConfig
import FulcrumDiscovery
import FulcrumEngine
import FulcrumHealth
import FulcrumNet

/// One running service: its validated configuration, its backends, and the objects that must outlive routing
/// tables (stats, per-source counters, the round-robin rotation). Owned by the `Controller` actor.
struct RuntimeService {
    var config: ServiceConfig
    var backends: [RuntimeBackend]
    let stats: ServiceStats
    let sources: SourceCounters
    let rotation: RoundRobinRotation
    private var nextBackendID: UInt32 = 0

    init(config: ServiceConfig) {
        self.config = config
        self.backends = []
        self.stats = ServiceStats()
        self.sources = SourceCounters()
        self.rotation = RoundRobinRotation()
        for backend in config.backends {
            self.addBackend(
                address: backend.address, endpoint: backend.endpoint, weight: backend.weight,
                maxConnections: backend.maxConnections, origin: .config)
        }
    }

    var name: String { self.config.name }

    @discardableResult
    mutating func addBackend(
        address: String, endpoint: IPEndpoint, weight: Int, maxConnections: Int?, origin: BackendOrigin
    ) -> RuntimeBackend {
        let backend = RuntimeBackend(
            id: BackendID(self.nextBackendID), address: address, endpoint: endpoint, weight: weight,
            maxConnections: maxConnections, adminState: .enabled, removing: false, origin: origin,
            health: .unchecked, stats: BackendStats())
        self.nextBackendID += 1
        self.backends.append(backend)
        return backend
    }

    /// The backend listed under `address` that is not on its way out, if any.
    func liveBackendIndex(_ address: String) -> Int? {
        self.backends.firstIndex { $0.address == address && !$0.removing }
    }

    /// The candidates of a new balancer, as the balancing module wants them.
    var members: [BalancerMember] {
        self.backends.filter(\.isEligible).map {
            BalancerMember(id: $0.id, key: $0.address, weight: $0.weight, maxConnections: $0.maxConnections, load: $0.stats.load)
        }
    }

    /// Re-applies the file's version of this service (a reload): backends that stay keep their id, figures and
    /// health; runtime changes made through the API are undone (SPEC §3: they last until the next reload); backends
    /// gone from the file drain. Discovered backends stay while the service still follows the same kind of
    /// registry (SPEC §8.1: only changes made through the API are dropped by a reload); the registry, not the file,
    /// decides when they go.
    mutating func reconcile(with config: ServiceConfig) {
        self.config = config
        var seen = Set<String>()
        for wanted in config.backends {
            seen.insert(wanted.address)
            if let index = self.liveBackendIndex(wanted.address) {
                self.backends[index].endpoint = wanted.endpoint
                self.backends[index].weight = wanted.weight
                self.backends[index].maxConnections = wanted.maxConnections
                self.backends[index].adminState = .enabled
                self.backends[index].origin = .config
            } else {
                self.addBackend(
                    address: wanted.address, endpoint: wanted.endpoint, weight: wanted.weight,
                    maxConnections: wanted.maxConnections, origin: .config)
            }
        }
        let followed = config.discovery.map { BackendOrigin(rawValue: $0.source.name) }
        for index in self.backends.indices where !seen.contains(self.backends[index].address) {
            if self.backends[index].origin.isDiscovered, self.backends[index].origin == followed { continue }
            self.backends[index].removing = true
            self.backends[index].adminState = .draining
        }
    }

    /// The live backends a registry of kind `origin` gave this service.
    func discovered(_ origin: BackendOrigin) -> [RuntimeBackend] {
        self.backends.filter { $0.origin == origin && !$0.removing }
    }

    /// Makes the backends discovered by `origin` exactly `wanted` (SPEC §8.1): new ones are added (they start
    /// `unchecked`, like API additions), changed ones take the new endpoint and weight, missing ones drain. An
    /// address the file or the API already gives this service stays theirs. Returns what changed, for the log.
    mutating func applyDiscovered(_ wanted: [DiscoveredBackend], origin: BackendOrigin) -> DiscoveredChanges {
        var changes = DiscoveredChanges()
        let byAddress = Dictionary(wanted.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        for index in self.backends.indices where self.backends[index].origin == origin && !self.backends[index].removing {
            guard let update = byAddress[self.backends[index].address] else {
                self.backends[index].removing = true
                self.backends[index].adminState = .draining
                changes.removed.append(self.backends[index].address)
                continue
            }
            if self.backends[index].endpoint != update.endpoint || self.backends[index].weight != update.weight {
                self.backends[index].endpoint = update.endpoint
                self.backends[index].weight = update.weight
                changes.changed.append(update.address)
            }
        }
        for backend in wanted where self.liveBackendIndex(backend.address) == nil {
            self.addBackend(
                address: backend.address, endpoint: backend.endpoint, weight: backend.weight, maxConnections: nil,
                origin: origin)
            changes.added.append(backend.address)
        }
        return changes
    }

    /// Forgets removed backends whose last connection has ended; returns their addresses.
    mutating func collectDrained() -> [String] {
        let gone = self.backends.filter { $0.removing && $0.stats.activeConnections == 0 }
        guard !gone.isEmpty else { return [] }
        self.backends.removeAll { $0.removing && $0.stats.activeConnections == 0 }
        return gone.map(\.address)
    }
}

/// What one discovery update did to a service's pool.
struct DiscoveredChanges: Equatable {
    var added: [String] = []
    var removed: [String] = []
    var changed: [String] = []

    var isEmpty: Bool { self.added.isEmpty && self.removed.isEmpty && self.changed.isEmpty }

    /// `added 10.0.0.5:80, 10.0.0.6:80; removed 10.0.0.1:80`.
    var summary: String {
        var parts: [String] = []
        if !self.added.isEmpty { parts.append("added " + self.added.joined(separator: ", ")) }
        if !self.removed.isEmpty { parts.append("removed " + self.removed.joined(separator: ", ")) }
        if !self.changed.isEmpty { parts.append("changed " + self.changed.joined(separator: ", ")) }
        return parts.isEmpty ? "no change" : parts.joined(separator: "; ")
    }
}
