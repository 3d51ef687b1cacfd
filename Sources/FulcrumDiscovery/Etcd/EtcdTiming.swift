/// How long the etcd source waits for what. The defaults suit production; tests shorten them.
public struct EtcdTiming: Sendable, Hashable {
    /// TCP (and TLS) connect to one endpoint. A dead host on a network that drops packets costs this much before
    /// the next endpoint is tried, so it is short: etcd members sit on the same network as their clients.
    public var connect: Duration
    /// A whole range request, answer included, and the head of a watch answer.
    public var request: Duration
    /// How often a running watch checks that its member still answers: a stopped (SIGSTOP) etcd or a network that
    /// silently drops packets would leave the watch waiting forever, since a watch with no events sends nothing.
    public var livenessInterval: Duration
    /// How long that check may take before the watch counts as broken.
    public var livenessTimeout: Duration
    /// Watch events that arrive within this long after the first of a batch are reported as one snapshot, so that
    /// a change an operator makes with several quick writes reaches the mass-removal guard as one update. It is
    /// added to every event's delay, within the SPEC's 1 s from write to routing table.
    public var coalescingWindow: Duration

    public init(
        connect: Duration,
        request: Duration,
        livenessInterval: Duration,
        livenessTimeout: Duration,
        coalescingWindow: Duration
    ) {
        self.connect = connect
        self.request = request
        self.livenessInterval = livenessInterval
        self.livenessTimeout = livenessTimeout
        self.coalescingWindow = coalescingWindow
    }

    /// Connect 2 s, request 5 s, a liveness check every 5 s that may take 3 s (a hung member is left within 8 s),
    /// events coalesced over 100 ms (a script's separate `etcdctl` calls land within it; 1/10 of the 1 s budget).
    public static let standard = EtcdTiming(
        connect: .seconds(2),
        request: .seconds(5),
        livenessInterval: .seconds(5),
        livenessTimeout: .seconds(3),
        coalescingWindow: .milliseconds(100)
    )
}
