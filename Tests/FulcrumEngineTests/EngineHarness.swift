import FulcrumBalancing
@testable import FulcrumEngine
import FulcrumNet
import FulcrumTestSupport
import Logging

/// An engine with one TCP service on an ephemeral loopback port, for end-to-end tests of the data plane alone.
final class EngineHarness: @unchecked Sendable {
    let engine: Engine
    let service: ServiceRoute
    let listener: IPEndpoint

    init(
        backends: [IPEndpoint], settings: ServiceSettings = ServiceSettings(), listen: IPEndpoint? = nil,
        algorithm: BalanceAlgorithm = .roundRobin, threads: Int = 2
    ) throws {
        var logger = Logger(label: "engine-test")
        logger.logLevel = .warning
        self.engine = try Engine(threads: threads, logger: logger)
        let routes = backends.enumerated().map { index, endpoint in
            BackendRoute(id: BackendID(UInt32(index)), address: "\(endpoint)", endpoint: endpoint, stats: BackendStats())
        }
        let members = routes.map {
            BalancerMember(id: $0.id, key: $0.address, weight: 1, load: $0.stats.load)
        }
        let balancer = Balancers.make(algorithm: algorithm, hashKey: .sourceIP, members: members, rotation: RoundRobinRotation())
        let ordered = balancer.members.map { member in routes.first { $0.id == member.id }! }
        self.service = ServiceRoute(
            name: "test", settings: settings, balancer: balancer, backends: ordered, stats: ServiceStats(),
            sources: SourceCounters(capacity: 1024))
        let key = ListenerKey(
            endpoint: listen ?? IPEndpoint(address: .v4(0x7F00_0001), port: 0), transport: settings.transport)
        try self.engine.apply(RoutingTable(services: [self.service], listeners: [key: 0]))
        self.listener = self.engine.boundListeners[key]!
    }

    func connect(from source: IPAddress? = nil) throws -> TestSocket {
        try TestSocket.connect(to: self.listener, from: source)
    }

    func backendStats(_ endpoint: IPEndpoint) -> BackendStats {
        self.service.backends.first { $0.endpoint == endpoint }!.stats
    }

    func records() -> [AccessRecord] {
        var all: [AccessRecord] = []
        self.engine.drainAccessLog { all.append($0) }
        return all
    }

    deinit { self.engine.shutdown() }
}
