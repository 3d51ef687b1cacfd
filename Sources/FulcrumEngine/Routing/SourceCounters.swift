import FulcrumBalancing
import FulcrumNet
import Synchronization

/// Open connections per client address, for `max_connections_per_source`, shared by every engine thread.
///
/// A fixed-size open-addressing table of atomics: slots are claimed with compare-and-swap on a 64-bit key digest and
/// counts move with relaxed atomics, so the accept path takes no lock and allocates nothing. Slots are never freed
/// (a slot whose count is back to zero is reused by the same address later); when the table is full, new sources
/// are admitted without a per-source count (the service-wide `max_connections` still applies), and `overflowed` says
/// so. 65,536 slots cover far more simultaneous clients than one Fulcrum thread pair serves.
public final class SourceCounters: @unchecked Sendable {
    // Safe to share: the storage is only touched through `Atomic` operations and freed in `deinit`.
    private let keys: UnsafeMutablePointer<Atomic<UInt64>>
    private let counts: UnsafeMutablePointer<Atomic<Int>>
    private let mask: Int
    private let overflowCount = Atomic<Int>(0)
    private static let probeLimit = 64

    public init(capacity: Int = 65536) {
        var size = 1
        while size < capacity { size <<= 1 }
        self.mask = size - 1
        self.keys = .allocate(capacity: size)
        self.counts = .allocate(capacity: size)
        for index in 0..<size {
            (self.keys + index).initialize(to: Atomic(0))
            (self.counts + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        self.keys.deinitialize(count: self.mask + 1)
        self.counts.deinitialize(count: self.mask + 1)
        self.keys.deallocate()
        self.counts.deallocate()
    }

    /// Times a new source could not get a slot.
    public var overflowed: Int { self.overflowCount.load(ordering: .relaxed) }

    /// Counts a connection from `address` if that keeps it at or under `limit`; returns the slot to release later,
    /// `-1` when the table had no room (admitted uncounted), or `nil` when the source is at its limit.
    func acquire(_ address: IPAddress, limit: Int) -> Int? {
        guard let slot = self.slot(for: address) else {
            self.overflowCount.add(1, ordering: .relaxed)
            return -1
        }
        let counter = self.counts + slot
        var current = counter.pointee.load(ordering: .relaxed)
        while true {
            if current >= limit { return nil }
            let (exchanged, original) = counter.pointee.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return slot }
            current = original
        }
    }

    func release(_ slot: Int) {
        guard slot >= 0 else { return }
        (self.counts + slot).pointee.subtract(1, ordering: .relaxed)
    }

    /// Open connections counted for `address` (for tests and the admin API).
    public func count(of address: IPAddress) -> Int {
        guard let slot = self.slot(for: address, claim: false) else { return 0 }
        return (self.counts + slot).pointee.load(ordering: .relaxed)
    }

    private func slot(for address: IPAddress, claim: Bool = true) -> Int? {
        let key = SourceCounters.digest(address.unmapped)
        var index = Int(truncatingIfNeeded: key) & self.mask
        for _ in 0..<SourceCounters.probeLimit {
            let stored = (self.keys + index).pointee.load(ordering: .relaxed)
            if stored == key { return index }
            if stored == 0 {
                guard claim else { return nil }
                let (exchanged, original) = (self.keys + index).pointee.compareExchange(
                    expected: 0, desired: key, ordering: .relaxed)
                if exchanged || original == key { return index }
            }
            index = (index + 1) & self.mask
        }
        return nil
    }

    /// A 64-bit digest of the address, never 0 (0 marks a free slot). Distinct addresses of one family map to
    /// distinct digests for IPv4 (the mixing is a bijection); IPv6 collisions are astronomically unlikely.
    static func digest(_ address: IPAddress) -> UInt64 {
        // The first SplitMix64 value seeded with `value`: one increment, then the bijective mixer (inlined, see
        // `SplitMix64`).
        func mix(_ value: UInt64) -> UInt64 { SplitMix64.mix(value &+ SplitMix64.increment) }
        let value: UInt64
        switch address {
        case .v4(let v4): value = mix(UInt64(v4) | 1 << 40)
        case .v6(let high, let low): value = mix(high ^ mix(low))
        }
        return value == 0 ? 1 : value
    }
}
