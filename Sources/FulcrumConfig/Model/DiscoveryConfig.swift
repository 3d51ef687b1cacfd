import FulcrumNet

/// A service's `discovery` section (SPEC §8.1): where the pool's other backends come from, and the guard against an
/// update that would remove too many of them at once.
public struct DiscoveryConfig: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case dns(DNSDiscoveryConfig)
        case etcd(EtcdDiscoveryConfig)

        /// `dns` or `etcd`: the `source` label and the backends' `origin`.
        public var name: String {
            switch self {
            case .dns: return "dns"
            case .etcd: return "etcd"
            }
        }
    }

    public var source: Source
    /// An update that would remove more than this share (0...1) of the discovered backends at once is held.
    public var maxDrop: Double
    /// How long such an update must stand before it is applied.
    public var holdDrop: Duration

    public init(source: Source, maxDrop: Double = DiscoveryConfig.defaultMaxDrop,
                holdDrop: Duration = DiscoveryConfig.defaultHoldDrop) {
        self.source = source
        self.maxDrop = maxDrop
        self.holdDrop = holdDrop
    }

    public static let defaultMaxDrop = 0.5
    public static let defaultHoldDrop: Duration = .seconds(60)
}

/// `discovery.dns`.
public struct DNSDiscoveryConfig: Sendable, Equatable {
    public enum Query: Sendable, Equatable {
        /// `name` + `port`: A and AAAA records.
        case addresses(name: String, port: UInt16)
        /// `srv`: SRV records (target, port, weight).
        case service(name: String)
    }

    public var query: Query
    /// Empty: the nameservers of /etc/resolv.conf.
    public var resolvers: [IPEndpoint]
    /// `nil`: the records' TTL, clamped to 1 s ... 5 min.
    public var interval: Duration?
    /// An answer with no records empties the discovered set only after it lasted this long (`nil`: at once).
    public var holdEmpty: Duration?

    public init(query: Query, resolvers: [IPEndpoint] = [], interval: Duration? = nil, holdEmpty: Duration? = nil) {
        self.query = query
        self.resolvers = resolvers
        self.interval = interval
        self.holdEmpty = holdEmpty
    }

    public static let defaultResolverPort: UInt16 = 53
    /// `interval` may not be shorter: a registry is not asked more than once a second.
    public static let minimumInterval: Duration = .seconds(1)
}

/// `discovery.etcd`.
public struct EtcdDiscoveryConfig: Sendable, Equatable {
    /// Client URLs as written, normalized (`http://127.0.0.1:2379`), tried in order.
    public var endpoints: [String]
    /// Every key under it is one backend.
    public var prefix: String

    public init(endpoints: [String], prefix: String) {
        self.endpoints = endpoints
        self.prefix = prefix
    }

    public static let defaultPort: UInt16 = 2379
}
