import FulcrumBalancing
import FulcrumEngine
import FulcrumHealth
import FulcrumNet

/// Where a backend came from (the API's `origin`): its identity is its address *and* its origin, because a reload
/// re-applies the file (dropping what the API added) but keeps what discovery found (SPEC §8.1).
public enum BackendOrigin: String, Sendable, Equatable {
    /// Listed under `backends` in the configuration file.
    case config
    /// Added with `POST .../backends`.
    case api
    /// Found by `discovery.dns`.
    case dns
    /// Found by `discovery.etcd`.
    case etcd

    /// Discovered by a registry rather than written by someone.
    public var isDiscovered: Bool { self == .dns || self == .etcd }
}

/// `enabled` or `draining`, as the admin API spells it.
public enum BackendAdminState: String, Sendable, Equatable, Codable {
    case enabled
    case draining
}

/// One backend of a running service: its identity, what the operator set, what health checking says, and the live
/// figures shared with the data plane. Owned by the `Controller` actor.
struct RuntimeBackend {
    let id: BackendID
    /// As configured or POSTed; the backend's identity in the API, metrics and hashing.
    let address: String
    var endpoint: IPEndpoint
    var weight: Int
    var maxConnections: Int?
    var adminState: BackendAdminState
    /// Deleted (by the API or a reload): drains, then disappears once its last connection ends.
    var removing: Bool
    /// The file, the API or a registry.
    var origin: BackendOrigin
    var health: BackendHealth
    let stats: BackendStats

    /// A candidate for new connections: up or unchecked, enabled, weight > 0 (SPEC §2.1; being full is checked per
    /// connection by the balancer).
    var isEligible: Bool {
        self.health.isEligible && self.adminState == .enabled && !self.removing && self.weight > 0
    }
}
