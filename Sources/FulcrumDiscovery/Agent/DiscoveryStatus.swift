/// What a service's discovery is doing, for the API's `discovery` object and the metrics (SPEC §8.1).
public struct DiscoveryStatus: Sendable, Equatable {
    public var kind: DiscoveryKind
    /// Discovered backends in use now.
    public var backends: Int
    /// When the registry last answered, nanoseconds since the Unix epoch; `nil` if it never has.
    public var lastSuccessNanoseconds: UInt64?
    /// The last failure while the registry is unreachable; `nil` while it answers.
    public var error: String?
    /// Updates the mass-removal guard holds right now (0 or 1: a later answer replaces a held one).
    public var held: Int
    /// Failed attempts so far (`fulcrum_discovery_errors_total`).
    public var errorsTotal: Int
    /// Updates the guard has held so far (`fulcrum_discovery_updates_held_total`).
    public var heldTotal: Int
    /// Registry entries skipped as unusable so far (`fulcrum_discovery_rejected_entries_total`).
    public var rejectedTotal: Int

    public init(kind: DiscoveryKind) {
        self.kind = kind
        self.backends = 0
        self.held = 0
        self.errorsTotal = 0
        self.heldTotal = 0
        self.rejectedTotal = 0
    }
}
