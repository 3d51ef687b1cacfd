import FulcrumBalancing
import Synchronization

/// Why a connection (or UDP flow) was refused before reaching a backend. The raw values are the SPEC's metric labels.
public enum RejectReason: Int, Sendable, CaseIterable, CustomStringConvertible {
    case maxConnections
    case maxConnectionsPerSource
    case acl
    case noBackend
    case proxyProtocol

    public var label: String {
        switch self {
        case .maxConnections: return "max_connections"
        case .maxConnectionsPerSource: return "max_connections_per_source"
        case .acl: return "acl"
        case .noBackend: return "no_backend"
        case .proxyProtocol: return "proxy_protocol"
        }
    }

    public var description: String { self.label }
}

/// Live figures of one service, shared by every engine thread and kept across reloads while the service exists.
/// Every update is one relaxed atomic operation.
public final class ServiceStats: Sendable {
    private enum Slot: Int, CaseIterable {
        case active, total, udpSessionsActive, datagramsDropped
    }

    private let counters = AtomicCounters(count: Slot.allCases.count)
    private let rejections = AtomicCounters(count: RejectReason.allCases.count)
    /// Durations of successful backend connects.
    public let connectDuration = DurationHistogram()

    public init() {}

    public var activeConnections: Int { self.counters.load(Slot.active.rawValue) }
    public var totalConnections: Int { self.counters.load(Slot.total.rawValue) }
    public var udpSessionsActive: Int { self.counters.load(Slot.udpSessionsActive.rawValue) }
    /// UDP datagrams dropped (no backend, session cap, send failure).
    public var datagramsDropped: Int { self.counters.load(Slot.datagramsDropped.rawValue) }
    public func rejected(_ reason: RejectReason) -> Int { self.rejections.load(reason.rawValue) }

    /// A client connection took a slot (it counts as active until it is closed, whatever happens to it).
    func connectionOpened() { self.counters.add(Slot.active.rawValue) }
    /// A connection passed every check and was sent to a backend (counted once, whatever the retries).
    func connectionForwarded() { self.counters.add(Slot.total.rawValue) }

    func connectionClosed() { self.counters.subtract(Slot.active.rawValue) }
    func reject(_ reason: RejectReason) { self.rejections.add(reason.rawValue) }
    func udpSessionOpened() { self.counters.add(Slot.udpSessionsActive.rawValue) }
    func udpSessionClosed() { self.counters.subtract(Slot.udpSessionsActive.rawValue) }
    func datagramDropped(_ count: Int = 1) { self.counters.add(Slot.datagramsDropped.rawValue, count) }
}

/// Live figures of one backend, shared by every engine thread and kept across reloads while the backend exists.
public final class BackendStats: Sendable {
    private enum Slot: Int, CaseIterable {
        case total, bytesIn, bytesOut, connectFailures, consecutiveFailures
    }

    private let counters = AtomicCounters(count: Slot.allCases.count)
    /// Active connections / UDP sessions; also what least_connections, power_of_two and `max_connections` read.
    public let load: BackendLoad

    public init(load: BackendLoad = BackendLoad()) { self.load = load }

    public var activeConnections: Int { self.load.active.load(ordering: .relaxed) }
    public var totalConnections: Int { self.counters.load(Slot.total.rawValue) }
    /// Bytes received from clients (and sent on to this backend).
    public var bytesIn: Int { self.counters.load(Slot.bytesIn.rawValue) }
    /// Bytes sent to clients (received from this backend).
    public var bytesOut: Int { self.counters.load(Slot.bytesOut.rawValue) }
    public var connectFailures: Int { self.counters.load(Slot.connectFailures.rawValue) }

    func attemptStarted() { self.load.active.add(1, ordering: .relaxed) }
    func attemptEnded() { self.load.active.subtract(1, ordering: .relaxed) }
    func connectionEstablished() { self.counters.add(Slot.total.rawValue) }
    func received(_ count: Int) { self.counters.add(Slot.bytesIn.rawValue, count) }
    func sent(_ count: Int) { self.counters.add(Slot.bytesOut.rawValue, count) }

    /// Counts a failed connect (and the run of failures a later success ends).
    func connectFailed() {
        self.counters.add(Slot.connectFailures.rawValue)
        self.counters.add(Slot.consecutiveFailures.rawValue)
    }

    /// Records a successful connect; returns `true` when it ends a run of failures (worth telling health checking).
    func connectSucceeded() -> Bool {
        guard self.counters.load(Slot.consecutiveFailures.rawValue) != 0 else { return false }
        self.counters.store(Slot.consecutiveFailures.rawValue, 0)
        return true
    }
}

/// A Prometheus-style histogram of durations with fixed buckets, updated with relaxed atomics.
public final class DurationHistogram: Sendable {
    /// Upper bounds in seconds (the exposition adds `+Inf`).
    public static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private static let boundsNanoseconds: [UInt64] = bounds.map { UInt64($0 * 1e9) }

    /// Per-bucket (non-cumulative) counts, the last one for values above every bound; then the sum in nanoseconds.
    private let counters = AtomicCounters(count: DurationHistogram.bounds.count + 2)

    public init() {}

    func observe(nanoseconds: UInt64) {
        var bucket = DurationHistogram.boundsNanoseconds.count
        for (index, bound) in DurationHistogram.boundsNanoseconds.enumerated() where nanoseconds <= bound {
            bucket = index
            break
        }
        self.counters.add(bucket)
        self.counters.add(DurationHistogram.bounds.count + 1, Int(truncatingIfNeeded: nanoseconds))
    }

    /// Cumulative counts per bound (the last entry is `+Inf`, the total count) and the sum in seconds.
    public func snapshot() -> (cumulative: [Int], sumSeconds: Double) {
        var cumulative: [Int] = []
        var running = 0
        for index in 0...DurationHistogram.bounds.count {
            running += self.counters.load(index)
            cumulative.append(running)
        }
        let sum = Double(self.counters.load(DurationHistogram.bounds.count + 1)) / 1e9
        return (cumulative, sum)
    }
}
