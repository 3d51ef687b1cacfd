import FulcrumNet

/// `discovery.dns` as the DNS source needs it (the control plane maps the validated configuration to it).
public struct DNSDiscoverySettings: Sendable, Hashable {
    public enum Query: Sendable, Hashable {
        /// A and AAAA records of `name`, each a backend on `port` (weight 1).
        case addresses(name: String, port: UInt16)
        /// SRV records of `name`: target, port and weight (records of the lowest priority value only).
        case service(name: String)
    }

    public var query: Query
    /// Resolvers to ask, in order; empty: the nameservers of /etc/resolv.conf.
    public var resolvers: [IPEndpoint]
    /// Re-resolve this often; `nil`: at the records' TTL (or the negative TTL), clamped to 1 s ... 5 min.
    public var interval: Duration?

    public init(query: Query, resolvers: [IPEndpoint] = [], interval: Duration? = nil) {
        self.query = query
        self.resolvers = resolvers
        self.interval = interval
    }
}

/// `discovery.etcd` as the etcd source needs it.
public struct EtcdDiscoverySettings: Sendable, Hashable {
    /// Client URLs (`http://127.0.0.1:2379`), tried in order; the next one when one fails.
    public var endpoints: [String]
    /// Every key under it is one backend.
    public var prefix: String

    public init(endpoints: [String], prefix: String) {
        self.endpoints = endpoints
        self.prefix = prefix
    }
}
