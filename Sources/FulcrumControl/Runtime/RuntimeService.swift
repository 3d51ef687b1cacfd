import FulcrumBalancing
import FulcrumConfig
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
                maxConnections: backend.maxConnections, fromFile: true)
        }
    }

    var name: String { self.config.name }

    @discardableResult
    mutating func addBackend(
        address: String, endpoint: IPEndpoint, weight: Int, maxConnections: Int?, fromFile: Bool
    ) -> RuntimeBackend {
        let backend = RuntimeBackend(
            id: BackendID(self.nextBackendID), address: address, endpoint: endpoint, weight: weight,
            maxConnections: maxConnections, adminState: .enabled, removing: false, fromFile: fromFile,
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
    /// gone from the file drain.
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
                self.backends[index].fromFile = true
            } else {
                self.addBackend(
                    address: wanted.address, endpoint: wanted.endpoint, weight: wanted.weight,
                    maxConnections: wanted.maxConnections, fromFile: true)
            }
        }
        for index in self.backends.indices where !seen.contains(self.backends[index].address) {
            self.backends[index].removing = true
            self.backends[index].adminState = .draining
        }
    }

    /// Forgets removed backends whose last connection has ended; returns their addresses.
    mutating func collectDrained() -> [String] {
        let gone = self.backends.filter { $0.removing && $0.stats.activeConnections == 0 }
        guard !gone.isEmpty else { return [] }
        self.backends.removeAll { $0.removing && $0.stats.activeConnections == 0 }
        return gone.map(\.address)
    }
}
