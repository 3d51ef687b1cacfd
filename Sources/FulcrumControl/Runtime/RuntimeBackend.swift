import FulcrumBalancing
import FulcrumEngine
import FulcrumHealth
import FulcrumNet

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
    /// Came from the configuration file (as opposed to `POST .../backends`).
    var fromFile: Bool
    var health: BackendHealth
    let stats: BackendStats

    /// A candidate for new connections: up or unchecked, enabled, weight > 0 (SPEC §2.1; being full is checked per
    /// connection by the balancer).
    var isEligible: Bool {
        self.health.isEligible && self.adminState == .enabled && !self.removing && self.weight > 0
    }
}
