/// A registry client for one service: reads the registry, follows it, and reports what it finds. It keeps trying
/// on its own (capped exponential back-off with jitter, the next endpoint or resolver on failure) and never throws;
/// it ends when its task is cancelled.
///
/// Sources only fetch and report. What a report does to the pool (the mass-removal guard, `hold_empty`, outage
/// logging, counters, the saved last known good set) is decided by their consumer, so that every source behaves
/// the same there.
public protocol DiscoverySource: Sendable {
    var kind: DiscoveryKind { get }

    /// Runs until the calling task is cancelled, reporting through `report`.
    func run(_ report: DiscoveryReport) async
}

/// Where a source reports. The closures are called from the source's task, in order, and must not block.
public struct DiscoveryReport: Sendable {
    /// The registry's complete current set for the service: after every successful read, batch of watch events
    /// or DNS answer (also when nothing changed, so the consumer knows the registry is reachable). An empty list
    /// means the registry answered and holds nothing (DNS NXDOMAIN or no records; no key under the etcd prefix).
    public var snapshot: @Sendable ([DiscoveredBackend]) -> Void
    /// One attempt failed (unreachable, timed out, an error answer, a broken watch): `reason` says which endpoint or
    /// resolver and what happened. The source keeps the last set and retries.
    public var failure: @Sendable (_ reason: String) -> Void
    /// A registry entry that cannot be a backend (etcd: a value that is neither an address nor the JSON object)
    /// was skipped. Reported once each time such a value is read or written, with its key.
    public var rejectedEntry: @Sendable (_ key: String, _ reason: String) -> Void

    public init(
        snapshot: @escaping @Sendable ([DiscoveredBackend]) -> Void,
        failure: @escaping @Sendable (_ reason: String) -> Void,
        rejectedEntry: @escaping @Sendable (_ key: String, _ reason: String) -> Void
    ) {
        self.snapshot = snapshot
        self.failure = failure
        self.rejectedEntry = rejectedEntry
    }
}
