import FulcrumBalancing
import FulcrumNet

/// A validated configuration file: every value typed and in range, every cross-field rule checked.
/// Built only by `ConfigLoader`; the rest of Fulcrum never sees YAML.
public struct Configuration: Sendable, Equatable {
    public var admin: AdminSettings?
    public var shutdownGrace: Duration
    /// Services in file order (the key order of `services:`).
    public var services: [ServiceConfig]
    /// The file the configuration came from (as given on the command line), for messages and relative paths.
    public var sourcePath: String
    /// `state_dir` (resolved against the file's folder), where state that outlives the process is kept (the last
    /// known good discovered backends); `nil`: next to the configuration file.
    public var stateDirectory: String?

    public init(
        admin: AdminSettings?, shutdownGrace: Duration, services: [ServiceConfig], sourcePath: String,
        stateDirectory: String? = nil
    ) {
        self.admin = admin
        self.shutdownGrace = shutdownGrace
        self.services = services
        self.sourcePath = sourcePath
        self.stateDirectory = stateDirectory
    }

    public static let defaultShutdownGrace: Duration = .seconds(30)
}

public struct AdminSettings: Sendable, Equatable {
    public var listen: IPEndpoint
    /// Absolute or relative-to-the-working-directory path (already resolved against the config file's folder).
    public var tokenFile: String?
    /// The bearer token: `tokenFile`'s content with surrounding whitespace trimmed, read when the configuration was
    /// loaded (so a reload picks up a new token, and a missing or empty file is a validation error).
    public var token: String?

    public init(listen: IPEndpoint, tokenFile: String?, token: String? = nil) {
        self.listen = listen
        self.tokenFile = tokenFile
        self.token = token
    }
}

public enum TransportProtocol: String, Sendable, Equatable {
    case tcp
    case udp
}

public enum ProxyProtocolVersion: String, Sendable, Equatable {
    case none
    case v1
    case v2
}

public struct ServiceConfig: Sendable, Equatable {
    /// The map key, `[A-Za-z0-9_.-]+`.
    public var name: String
    public var `protocol`: TransportProtocol
    /// At least one; no duplicates.
    public var listen: [IPEndpoint]
    public var balance: BalanceAlgorithm
    public var hashKey: HashKey
    public var connectTimeout: Duration
    /// TCP: idle connection timeout. UDP: session timeout.
    public var idleTimeout: Duration
    public var retries: Int
    public var maxConnections: Int?
    public var maxConnectionsPerSource: Int?
    public var allow: [CIDR]?
    public var deny: [CIDR]
    public var proxyProtocol: ProxyProtocolVersion
    public var acceptProxyProtocol: Bool
    public var healthCheck: HealthCheckConfig?
    /// Backends written in the file; with `discovery`, the pool is these plus what discovery finds.
    public var backends: [BackendConfig]
    public var discovery: DiscoveryConfig?

    public init(
        name: String, protocol: TransportProtocol, listen: [IPEndpoint], balance: BalanceAlgorithm, hashKey: HashKey,
        connectTimeout: Duration, idleTimeout: Duration, retries: Int, maxConnections: Int?,
        maxConnectionsPerSource: Int?, allow: [CIDR]?, deny: [CIDR], proxyProtocol: ProxyProtocolVersion,
        acceptProxyProtocol: Bool, healthCheck: HealthCheckConfig?, backends: [BackendConfig],
        discovery: DiscoveryConfig? = nil
    ) {
        self.name = name
        self.protocol = `protocol`
        self.listen = listen
        self.balance = balance
        self.hashKey = hashKey
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.retries = retries
        self.maxConnections = maxConnections
        self.maxConnectionsPerSource = maxConnectionsPerSource
        self.allow = allow
        self.deny = deny
        self.proxyProtocol = proxyProtocol
        self.acceptProxyProtocol = acceptProxyProtocol
        self.healthCheck = healthCheck
        self.backends = backends
        self.discovery = discovery
    }

    public static let defaultConnectTimeout: Duration = .seconds(3)
    public static let defaultTCPIdleTimeout: Duration = .seconds(300)
    public static let defaultUDPIdleTimeout: Duration = .seconds(30)
    public static let defaultRetries = 2
}

public struct HealthCheckConfig: Sendable, Equatable {
    public var interval: Duration
    public var timeout: Duration
    public var rise: Int
    public var fall: Int
    public var port: UInt16?
    public var send: [UInt8]?
    public var expect: [UInt8]?

    public init(
        interval: Duration, timeout: Duration, rise: Int, fall: Int, port: UInt16?, send: [UInt8]?,
        expect: [UInt8]?
    ) {
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.port = port
        self.send = send
        self.expect = expect
    }

    public static let defaultInterval: Duration = .seconds(2)
    public static let defaultTimeout: Duration = .seconds(1)
    public static let defaultRise = 2
    public static let defaultFall = 3
}

public struct BackendConfig: Sendable, Equatable {
    /// The address string exactly as configured: the backend's identity in the admin API, metrics and hashing.
    public var address: String
    /// The resolved endpoint (host names are resolved when the file is loaded).
    public var endpoint: IPEndpoint
    public var weight: Int
    public var maxConnections: Int?

    public init(address: String, endpoint: IPEndpoint, weight: Int, maxConnections: Int?) {
        self.address = address
        self.endpoint = endpoint
        self.weight = weight
        self.maxConnections = maxConnections
    }

    public static let maxWeight = 10000
}
