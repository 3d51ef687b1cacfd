import FulcrumBalancing
import FulcrumNet

/// Which PROXY protocol header, if any, a service writes at the start of every backend connection.
public enum ProxyHeaderMode: Sendable, Equatable {
    case none
    case v1
    case v2
}

/// Everything the data plane needs to know about a service besides its backends. Plain values: the engine never
/// learns the configuration file's format.
public struct ServiceSettings: Sendable, Equatable {
    public var transport: Transport
    public var connectTimeout: Duration
    /// TCP: idle connection timeout; UDP: session timeout.
    public var idleTimeout: Duration
    public var retries: Int
    public var proxyHeader: ProxyHeaderMode
    public var acceptProxyHeader: Bool
    public var maxConnections: Int?
    public var maxConnectionsPerSource: Int?
    /// `nil` allows every source.
    public var allow: CIDRSet?
    public var deny: CIDRSet

    public init(
        transport: Transport = .tcp,
        connectTimeout: Duration = .seconds(3),
        idleTimeout: Duration = .seconds(300),
        retries: Int = 2,
        proxyHeader: ProxyHeaderMode = .none,
        acceptProxyHeader: Bool = false,
        maxConnections: Int? = nil,
        maxConnectionsPerSource: Int? = nil,
        allow: CIDRSet? = nil,
        deny: CIDRSet = CIDRSet()
    ) {
        self.transport = transport
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.retries = retries
        self.proxyHeader = proxyHeader
        self.acceptProxyHeader = acceptProxyHeader
        self.maxConnections = maxConnections
        self.maxConnectionsPerSource = maxConnectionsPerSource
        self.allow = allow
        self.deny = deny
    }

    public static func == (lhs: ServiceSettings, rhs: ServiceSettings) -> Bool {
        lhs.transport == rhs.transport && lhs.connectTimeout == rhs.connectTimeout
            && lhs.idleTimeout == rhs.idleTimeout && lhs.retries == rhs.retries && lhs.proxyHeader == rhs.proxyHeader
            && lhs.acceptProxyHeader == rhs.acceptProxyHeader && lhs.maxConnections == rhs.maxConnections
            && lhs.maxConnectionsPerSource == rhs.maxConnectionsPerSource
            && lhs.allow?.prefixes == rhs.allow?.prefixes && lhs.deny.prefixes == rhs.deny.prefixes
    }
}

/// Where an engine thread reports the outcome of its connects to one backend, for passive health checking (a
/// handle hanging off the backend's route, as Envoy's outlier detector hangs off its host): no lookup by name and no
/// lock of ours on the engine thread. Called on engine threads: implementations must not block.
public protocol ConnectOutcomeReporting: Sendable {
    /// A connect (or a UDP send) to this backend failed: refused, reset or timed out.
    func connectFailed()
    /// A connect to this backend succeeded after one or more failures.
    func connectSucceeded()
}

/// A backend as the data plane sees it in one routing table.
public final class BackendRoute: Sendable {
    public let id: BackendID
    /// The address as configured (or POSTed): the backend's name in logs, metrics and the admin API.
    public let address: String
    public let endpoint: IPEndpoint
    /// Kept across routing tables for as long as the backend exists.
    public let stats: BackendStats
    /// Passive health checking's handle for this backend (`nil`: nobody watches its connects).
    public let health: (any ConnectOutcomeReporting)?

    public init(
        id: BackendID, address: String, endpoint: IPEndpoint, stats: BackendStats,
        health: (any ConnectOutcomeReporting)? = nil
    ) {
        self.id = id
        self.address = address
        self.endpoint = endpoint
        self.stats = stats
        self.health = health
    }
}

/// One service in one routing table: immutable. `backends[i]` is the backend of `balancer.members[i]`.
public final class ServiceRoute: Sendable {
    public let name: String
    public let settings: ServiceSettings
    public let balancer: any LoadBalancer
    public let backends: [BackendRoute]
    /// Kept across routing tables for as long as the service exists.
    public let stats: ServiceStats
    /// Per-client-address connection counts, kept across routing tables like `stats`.
    public let sources: SourceCounters

    /// - Precondition: `backends` holds one route per balancer member, in member order (checked by id).
    public init(
        name: String, settings: ServiceSettings, balancer: any LoadBalancer, backends: [BackendRoute],
        stats: ServiceStats, sources: SourceCounters
    ) {
        precondition(
            backends.count == balancer.members.count
                && zip(backends, balancer.members).allSatisfy { $0.id == $1.id },
            "service routes must list backends in the balancer's member order"
        )
        self.name = name
        self.settings = settings
        self.balancer = balancer
        self.backends = backends
        self.stats = stats
        self.sources = sources
    }
}

/// A listening address and the service behind it.
public struct ListenerKey: Hashable, Sendable, CustomStringConvertible {
    public var endpoint: IPEndpoint
    public var transport: Transport

    public init(endpoint: IPEndpoint, transport: Transport) {
        self.endpoint = endpoint
        self.transport = transport
    }

    public var description: String { "\(self.transport.rawValue) \(self.endpoint)" }
}

/// What the control plane publishes to the data plane: every service and which listener leads to which.
/// Immutable; engine threads swap to a new table between events, without locks on the connection path.
public final class RoutingTable: Sendable {
    public let services: [ServiceRoute]
    /// Listener → index into `services`.
    public let listeners: [ListenerKey: Int]

    public init(services: [ServiceRoute], listeners: [ListenerKey: Int]) {
        precondition(listeners.values.allSatisfy { services.indices.contains($0) }, "listener maps to no service")
        self.services = services
        self.listeners = listeners
    }

    public static let empty = RoutingTable(services: [], listeners: [:])
}
