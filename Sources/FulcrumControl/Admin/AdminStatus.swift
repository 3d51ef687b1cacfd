import FulcrumBalancing
import FulcrumDiscovery
import FulcrumEngine
import FulcrumHealth

/// One backend as the admin API and the metrics show it (SPEC §3, §4): what the operator set, what health checking
/// says, and the live figures, read at one moment.
public struct BackendStatus: Sendable, Equatable {
    /// As configured or POSTed; the backend's name in URLs, JSON and the metrics label `backend`.
    public var address: String
    /// The address it resolved to (equal to `address` for IP literals).
    public var endpoint: String
    /// 0...10000; 0 takes no new connections.
    public var weight: Int
    /// `draining` once set so by the API, or deleted (by the API or a reload) and waiting for its last connection.
    public var state: BackendAdminState
    /// `up`, `down` or `unchecked` (which counts as up).
    public var health: BackendHealth
    /// Deleted: it leaves the list when its last connection ends.
    public var removing: Bool
    /// `config`, `api`, `dns` or `etcd` (SPEC §8.1).
    public var origin: BackendOrigin
    /// Open connections or UDP sessions (connect attempts in progress included).
    public var activeConnections: Int
    /// Connections (or UDP sessions) established with it so far.
    public var totalConnections: Int
    /// Bytes received from clients.
    public var bytesIn: Int
    /// Bytes sent to clients.
    public var bytesOut: Int
    /// Failed connects so far.
    public var connectFailures: Int
    /// Its `max_connections`, if any.
    public var maxConnections: Int?
}

/// One service as the admin API and the metrics show it.
public struct ServiceStatus: Sendable {
    /// The service name, as in the file.
    public var name: String
    /// `tcp` or `udp`.
    public var transport: String
    /// The addresses it listens on, as bound (a configured port 0 shows the port the kernel chose).
    public var listen: [String]
    /// The algorithm as written in the file (`round_robin`, `maglev`, ...).
    public var balance: String
    /// For `source_hash` / `maglev`: `source_ip` or `source_ip_port`.
    public var hashKey: String?
    /// For `maglev`: the lookup table size.
    public var maglevTableSize: Int?
    /// For `source_hash` / `maglev`: the fingerprint of the table new connections are routed with now.
    public var tableFingerprint: String?
    /// Open client connections, those not yet given a backend included.
    public var activeConnections: Int
    /// Client connections sent on to a backend so far.
    public var totalConnections: Int
    /// Every rejection reason with its count, zeros included, in `RejectReason` order.
    public var rejected: [(reason: String, count: Int)]
    /// Open UDP sessions (0 for TCP).
    public var udpSessionsActive: Int
    /// UDP datagrams dropped so far (0 for TCP).
    public var datagramsDropped: Int
    /// Successful backend connects so far, by duration bucket (see `DurationHistogram`).
    public var connectDuration: ConnectDurationSnapshot
    /// In the order they were configured or added; a deleted one stays until it has drained.
    public var backends: [BackendStatus]
    /// What the service's discovery is doing (`nil` without `discovery`).
    public var discovery: DiscoveryStatus?
}

/// A snapshot of `fulcrum_connect_duration_seconds` for one service.
public struct ConnectDurationSnapshot: Sendable, Equatable {
    /// Upper bounds in seconds, without `+Inf`.
    public var bounds: [Double]
    /// Cumulative counts, one per bound and a last one for `+Inf` (the total count).
    public var cumulativeCounts: [Int]
    /// The sum of all observed durations.
    public var sumSeconds: Double
}

/// The answer of `GET .../route?client=`: where a new flow from `client` would go now, and why.
public struct RouteAnswer: Sendable, Equatable {
    /// The service asked about.
    public var service: String
    /// The client as Fulcrum normalized it: `A.B.C.D:PORT` or `[IPV6]:PORT`.
    public var client: String
    /// The backend's address as configured.
    public var backend: String
    /// Free text for people.
    public var reason: String
}
