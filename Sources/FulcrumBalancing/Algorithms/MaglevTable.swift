/// The Maglev lookup table: D. E. Eisenbud et al., "Maglev: A Fast and Reliable Software Network Load Balancer",
/// NSDI 2016, §3.4 (Pseudocode 1), with weights as in Katran's `MaglevHashV2` (katran/lib/MaglevHashV2.cpp).
///
/// Each member has a preference list over the `size` slots, the permutation `(offset + j * skip) mod size` where
/// `offset = h1(key) mod size` and `skip = h2(key) mod (size - 1) + 1`, with `h1`, `h2` = XXH64 of the member's key
/// with seeds 0 and 1 (as Envoy's `maglev_lb.cc`). `size` is prime, so every skip is coprime with it and each list
/// visits every slot. Members take turns claiming the first free slot of their list until the table is full.
///
/// Weights (Katran V2): a member's turns come in proportion to its weight. In "round" r = 1, 2, ... a member of weight
/// w takes a turn when its running total `r * w` crosses another multiple of the largest weight W, so its k-th turn is
/// in round `ceil(k * W / w)`; within a round, members go in canonical order. The rounds are walked with a min-heap
/// of `(round, member)`, so weights cost O(log n) per turn instead of a pass over all members per round.
///
/// Invariants (checked by the tests):
/// - deterministic: the same keys, weights and size give the same table on every machine and in every process;
/// - with equal weights, members' slot counts differ by at most one;
/// - with weights, a member's share of the slots is proportional to its weight (up to the turn granularity);
/// - removing one of n members reassigns its slots and only a small fraction (about 1 % for n = 10, 100 at
///   size 65537) of the others' (the paper's §5.3 disruption);
/// - more members than slots: only the first `size` turns get a slot.
public struct MaglevTable: Sendable {
    /// Where a member's preference list starts and how it steps.
    public struct Permutation: Sendable, Hashable {
        public var offset: Int
        public var skip: Int

        public init(offset: Int, skip: Int) {
            self.offset = offset
            self.skip = skip
        }
    }

    /// `maglev_table_size`: a prime in this range (SPEC §7).
    public static let sizeRange = 7...5_000_011
    static let empty = UInt32.max

    /// The number of slots (a prime).
    public let size: Int
    /// `entries[slot]` is the member index owning the slot; empty when there are no members.
    let entries: [UInt32]

    /// `true` when `size` may be used as a table size: a prime within `sizeRange`.
    public static func isValidSize(_ size: Int) -> Bool {
        MaglevTable.sizeRange.contains(size) && isPrime(size)
    }

    /// The preference list of the member whose canonical key is `key`.
    public static func permutation(forKey key: String, size: Int) -> Permutation {
        let offset = XXHash64.hash(key, seed: 0) % UInt64(size)
        let skip = XXHash64.hash(key, seed: 1) % UInt64(size - 1) + 1
        return Permutation(offset: Int(offset), skip: Int(skip))
    }

    /// The table of members with these keys and weights, in this (canonical) order.
    public init(keys: [String], weights: [Int], size: Int) {
        self.init(permutations: keys.map { MaglevTable.permutation(forKey: $0, size: size) }, weights: weights, size: size)
    }

    /// The table for explicit preference lists (tests use the paper's example); `size` must be prime and every weight
    /// positive.
    public init(permutations: [Permutation], weights: [Int], size: Int) {
        precondition(permutations.count == weights.count, "one weight per permutation")
        precondition(size >= 2 && isPrime(size), "the Maglev table size must be prime")
        precondition(permutations.count < 1 << 24, "at most 2^24 members")
        self.size = size
        guard !permutations.isEmpty else {
            self.entries = []
            return
        }
        var entries = [UInt32](repeating: MaglevTable.empty, count: size)
        var positions = permutations.map { $0.offset % size }
        let skips = permutations.map { $0.skip }
        entries.withUnsafeMutableBufferPointer { slots in
            positions.withUnsafeMutableBufferPointer { positions in
                skips.withUnsafeBufferPointer { skips in
                    if weights.allSatisfy({ $0 == weights[0] }) {
                        MaglevTable.fillEqual(slots, positions: positions, skips: skips)
                    } else {
                        MaglevTable.fillWeighted(slots, positions: positions, skips: skips, weights: weights)
                    }
                }
            }
        }
        self.entries = entries
    }

    /// The member owning `slot`, or `nil` for a table without members.
    public subscript(slot: Int) -> Int? {
        self.entries.isEmpty ? nil : Int(self.entries[slot])
    }

    /// How many slots each of `memberCount` members owns.
    public func slotCounts(memberCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: memberCount)
        for entry in self.entries { counts[Int(entry)] += 1 }
        return counts
    }

    /// Member `member` claims the first free slot of its list, and its list moves past it.
    @inline(__always)
    private static func claim(
        _ member: Int,
        _ slots: UnsafeMutableBufferPointer<UInt32>,
        _ positions: UnsafeMutableBufferPointer<Int>,
        _ skips: UnsafeBufferPointer<Int>
    ) {
        let size = slots.count
        let skip = skips[member]
        var slot = positions[member]
        while slots[slot] != MaglevTable.empty {
            slot += skip
            if slot >= size { slot -= size }
        }
        slots[slot] = UInt32(truncatingIfNeeded: member)
        slot += skip
        if slot >= size { slot -= size }
        positions[member] = slot
    }

    /// Pseudocode 1 of the paper: every round, each member in order claims one slot.
    private static func fillEqual(
        _ slots: UnsafeMutableBufferPointer<UInt32>,
        positions: UnsafeMutableBufferPointer<Int>,
        skips: UnsafeBufferPointer<Int>
    ) {
        var filled = 0
        while true {
            for member in 0..<positions.count {
                MaglevTable.claim(member, slots, positions, skips)
                filled += 1
                if filled == slots.count { return }
            }
        }
    }

    /// Katran V2's rounds, visited in order through a heap keyed by `round << 24 | member`.
    private static func fillWeighted(
        _ slots: UnsafeMutableBufferPointer<UInt32>,
        positions: UnsafeMutableBufferPointer<Int>,
        skips: UnsafeBufferPointer<Int>,
        weights: [Int]
    ) {
        let maximumWeight = weights.max() ?? 1
        var turns = [Int](repeating: 0, count: weights.count)
        var heap = MinHeap(capacity: weights.count)
        for member in weights.indices {
            heap.push(UInt64(MaglevTable.round(ofTurn: 1, weight: weights[member], maximumWeight)) << 24 | UInt64(member))
        }
        var filled = 0
        while let top = heap.popMinimum() {
            let member = Int(top & 0xFF_FFFF)
            MaglevTable.claim(member, slots, positions, skips)
            filled += 1
            if filled == slots.count { return }
            turns[member] += 1
            let next = MaglevTable.round(ofTurn: turns[member] + 1, weight: weights[member], maximumWeight)
            heap.push(UInt64(next) << 24 | UInt64(member))
        }
    }

    /// The round of a member's `turn`-th claim: the first round r with r * weight >= turn * maximumWeight.
    @inline(__always)
    private static func round(ofTurn turn: Int, weight: Int, _ maximumWeight: Int) -> Int {
        (turn * maximumWeight + weight - 1) / weight
    }
}

/// A binary min-heap of `UInt64`, enough for the weighted table build (the module uses only the standard library).
private struct MinHeap {
    private var storage: [UInt64]

    init(capacity: Int) {
        self.storage = []
        self.storage.reserveCapacity(capacity)
    }

    mutating func push(_ value: UInt64) {
        self.storage.append(value)
        var child = self.storage.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            if self.storage[parent] <= self.storage[child] { break }
            self.storage.swapAt(parent, child)
            child = parent
        }
    }

    mutating func popMinimum() -> UInt64? {
        guard let last = self.storage.popLast() else { return nil }
        guard !self.storage.isEmpty else { return last }
        let minimum = self.storage[0]
        self.storage[0] = last
        var parent = 0
        let count = self.storage.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            let right = left + 1
            let smaller = right < count && self.storage[right] < self.storage[left] ? right : left
            if self.storage[parent] <= self.storage[smaller] { break }
            self.storage.swapAt(parent, smaller)
            parent = smaller
        }
        return minimum
    }
}

/// Trial division by 6k ± 1: at most ~370 divisions for the largest table size, off the hot path.
func isPrime(_ value: Int) -> Bool {
    if value < 2 { return false }
    if value < 4 { return true }
    if value % 2 == 0 || value % 3 == 0 { return false }
    var divisor = 5
    while divisor * divisor <= value {
        if value % divisor == 0 || value % (divisor + 2) == 0 { return false }
        divisor += 6
    }
    return true
}
