/// The mappings of the file, for messages and for the feature gate.
enum ConfigSection: Sendable {
    case root
    case admin
    case service
    case healthCheck
    case backend
    case discovery
    case discoveryDNS
    case discoveryEtcd

    /// Every key the section knows (whether or not its feature is built), in the order of SPEC §2.
    var knownKeys: [String] {
        switch self {
        case .root:
            return ["admin", "shutdown_grace", "state_dir", "services"]
        case .admin:
            return ["listen", "token_file"]
        case .service:
            return [
                "protocol", "listen", "balance", "connect_timeout", "idle_timeout", "retries", "max_connections",
                "max_connections_per_source", "allow", "deny", "proxy_protocol", "accept_proxy_protocol", "hash_key",
                "maglev_table_size", "health_check", "backends", "discovery",
            ]
        case .healthCheck:
            return ["interval", "timeout", "rise", "fall", "port", "send", "expect"]
        case .backend:
            return ["address", "weight", "max_connections"]
        case .discovery:
            return ["dns", "etcd", "max_drop", "hold_drop"]
        case .discoveryDNS:
            return ["name", "port", "srv", "resolvers", "interval", "hold_empty"]
        case .discoveryEtcd:
            return ["endpoints", "prefix"]
        }
    }
}
