import FulcrumBalancing

/// The data-plane features that are built, so that the configuration accepts exactly what Fulcrum can do.
///
/// A key (or value) whose feature is not in the set is rejected with "... is not supported yet" at its position,
/// never accepted and ignored. Which key needs which feature is decided in one place: `FeatureGate` below.
public struct ConfigFeatures: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `protocol: udp`.
    public static let udp = ConfigFeatures(rawValue: 1 << 0)
    /// `health_check`.
    public static let healthCheck = ConfigFeatures(rawValue: 1 << 1)
    /// `proxy_protocol: v1 | v2` (sending a header to backends).
    public static let proxyProtocolSend = ConfigFeatures(rawValue: 1 << 2)
    /// `accept_proxy_protocol: true`.
    public static let proxyProtocolAccept = ConfigFeatures(rawValue: 1 << 3)
    /// `max_connections`, `max_connections_per_source` and a backend's `max_connections`.
    public static let limits = ConfigFeatures(rawValue: 1 << 4)
    /// `allow` and `deny`.
    public static let acl = ConfigFeatures(rawValue: 1 << 5)
    /// Every `balance` other than `round_robin`, with `hash_key` and `maglev_table_size`.
    public static let algorithms = ConfigFeatures(rawValue: 1 << 6)
    /// The `admin` section.
    public static let admin = ConfigFeatures(rawValue: 1 << 7)

    /// Everything in SPEC §2.
    public static let all: ConfigFeatures = [
        .udp, .healthCheck, .proxyProtocolSend, .proxyProtocolAccept, .limits, .acl, .algorithms, .admin,
    ]
}

/// The one place that says which feature each key and value needs. Keys not listed need none.
enum FeatureGate {
    /// The feature a key needs in the given section, or `nil` when it is always available.
    static func requiredFeature(forKey key: String, in section: ConfigSection) -> ConfigFeatures? {
        switch section {
        case .root:
            return key == "admin" ? .admin : nil
        case .service:
            switch key {
            case "health_check": return .healthCheck
            case "max_connections", "max_connections_per_source": return .limits
            case "allow", "deny": return .acl
            case "hash_key", "maglev_table_size": return .algorithms
            default: return nil
            }
        case .backend:
            return key == "max_connections" ? .limits : nil
        case .admin, .healthCheck:
            return nil
        }
    }

    static func requiredFeature(for transport: TransportProtocol) -> ConfigFeatures? {
        switch transport {
        case .tcp: return nil
        case .udp: return .udp
        }
    }

    static func requiredFeature(for balance: BalanceAlgorithm) -> ConfigFeatures? {
        switch balance {
        case .roundRobin: return nil
        case .leastConnections, .powerOfTwo, .random, .sourceHash, .maglev: return .algorithms
        }
    }

    static func requiredFeature(for version: ProxyProtocolVersion) -> ConfigFeatures? {
        switch version {
        case .none: return nil
        case .v1, .v2: return .proxyProtocolSend
        }
    }

    /// `accept_proxy_protocol: false` is the default and needs nothing; `true` needs the feature.
    static func requiredFeature(acceptProxyProtocol: Bool) -> ConfigFeatures? {
        acceptProxyProtocol ? .proxyProtocolAccept : nil
    }

    /// The message for a key that is gated off (reported at the key).
    static func keyNotSupported(_ key: String) -> String { "'\(key)' is not supported yet" }

    /// The message for a value that is gated off (reported at the value).
    static func valueNotSupported(key: String, value: String) -> String { "\(key) '\(value)' is not supported yet" }
}
