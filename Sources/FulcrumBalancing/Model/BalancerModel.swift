import FulcrumNet
import Synchronization

/// A backend's identity inside one service, stable for its whole life (across reloads and runtime changes), assigned
/// by the control plane. Balancers return member indices; the id lets callers tell snapshots apart.
public struct BackendID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: BackendID, rhs: BackendID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "#\(self.rawValue)" }
}

/// One candidate backend as a balancer sees it: only eligible backends (up or unchecked, enabled, weight > 0) are
/// members of a snapshot; being full (`maxConnections`) is checked at pick time because it changes per connection.
public struct BalancerMember: Sendable {
    public var id: BackendID
    /// The canonical identity used to order members and to hash them: the backend's address string as configured.
    /// Never the position in the file, so that instances with the same backends agree.
    public var key: String
    /// 1...10000 (members of weight 0 are not candidates and are left out by the caller).
    public var weight: Int
    /// The per-backend connection cap, or `nil` for none.
    public var maxConnections: Int?
    /// Live load shared by every engine thread and every snapshot that contains this backend.
    public var load: BackendLoad

    public init(id: BackendID, key: String, weight: Int, maxConnections: Int? = nil, load: BackendLoad) {
        self.id = id
        self.key = key
        self.weight = weight
        self.maxConnections = maxConnections
        self.load = load
    }

    /// `true` when the backend is at its `maxConnections`.
    @inlinable
    public var isFull: Bool {
        guard let maxConnections else { return false }
        return self.load.active.load(ordering: .relaxed) >= maxConnections
    }
}

/// The live figures a balancer reads: active connections (UDP sessions) to a backend, across all threads.
/// The data plane increments it when a connection to the backend is opened and decrements when it ends.
public final class BackendLoad: Sendable {
    public let active: Atomic<Int>
    public init(active: Int = 0) { self.active = Atomic(active) }
}

/// What a pick may use. Every field may be missing or meaningless for some algorithm, and every algorithm works
/// without the ones it does not need (Envoy's "assume that context information is missing").
public struct PickContext: Sendable {
    /// The client as Fulcrum sees it (after PROXY protocol): the input of the hash algorithms.
    public var client: IPEndpoint?
    /// A fresh random number for this pick, drawn by the caller from its own (per-thread) generator, so that
    /// `random` and `power_of_two` need no shared state and tests can fix the sequence.
    public var random: UInt64

    public init(client: IPEndpoint? = nil, random: UInt64 = 0) {
        self.client = client
        self.random = random
    }
}

/// Members already tried for one connection (retries never pick one twice), inline: no allocation.
public struct Exclusions: Sendable {
    public static let capacity = 16
    private var storage: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    public private(set) var count = 0

    public init() {}

    /// Adds a member index; beyond `capacity` entries further ones are ignored (retries are capped well below it).
    public mutating func insert(_ index: Int) {
        guard self.count < Exclusions.capacity else { return }
        withUnsafeMutableBytes(of: &self.storage) { raw in
            raw.storeBytes(of: UInt32(truncatingIfNeeded: index), toByteOffset: self.count * 4, as: UInt32.self)
        }
        self.count += 1
    }

    @inlinable
    public func contains(_ index: Int) -> Bool {
        if self.count == 0 { return false }
        return self.containsSlow(index)
    }

    @usableFromInline
    func containsSlow(_ index: Int) -> Bool {
        withUnsafeBytes(of: self.storage) { raw in
            for slot in 0..<self.count
            where raw.load(fromByteOffset: slot * 4, as: UInt32.self) == UInt32(truncatingIfNeeded: index) {
                return true
            }
            return false
        }
    }
}

/// `balance` in the configuration.
public enum BalanceAlgorithm: Sendable, Hashable, CustomStringConvertible {
    case roundRobin
    case leastConnections
    case powerOfTwo
    case random
    case sourceHash
    case maglev(tableSize: Int)

    public static let defaultMaglevTableSize = 65537

    /// The name as written in configuration files.
    public var name: String {
        switch self {
        case .roundRobin: return "round_robin"
        case .leastConnections: return "least_connections"
        case .powerOfTwo: return "power_of_two"
        case .random: return "random"
        case .sourceHash: return "source_hash"
        case .maglev: return "maglev"
        }
    }

    public var description: String { self.name }

    /// `true` for the algorithms whose choice is a function of the client (a table fingerprint and "flows moved"
    /// are meaningful only for them).
    public var isHashing: Bool {
        switch self {
        case .sourceHash, .maglev: return true
        case .roundRobin, .leastConnections, .powerOfTwo, .random: return false
        }
    }
}

/// `hash_key` in the configuration: which client facts the hash algorithms use.
public enum HashKey: String, Sendable, Hashable {
    case sourceIP = "source_ip"
    case sourceIPPort = "source_ip_port"
}

/// A balancer over one immutable set of members. Built off the hot path (when backends, weights, health or drain
/// change) and shared by every engine thread; `pick` allocates nothing and takes no lock.
public protocol LoadBalancer: AnyObject, Sendable {
    /// The members, in the balancer's canonical order; `pick` returns an index into this array.
    var members: [BalancerMember] { get }

    /// Chooses a member for a new connection or flow: an index into `members`, or `nil` when every member is full or
    /// excluded (or there are none).
    func pick(_ context: PickContext, excluding: Exclusions) -> Int?
}
