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
/// in round `ceil(k * W / w)`; within a round, members go in canonical order. Members of equal weight share their
/// rounds, so the rounds are walked with a min-heap of `(round, weight class)`: no pass over all members for rounds in
/// which few of them take a turn (one heavy member among many light ones).
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
        let permutations = keys.map { MaglevTable.permutation(forKey: $0, size: size) }
        self.init(permutations: permutations, weights: weights, size: size)
    }

    /// The table for explicit preference lists (tests use the paper's example); `size` must be prime and every weight
    /// positive.
    public init(permutations: [Permutation], weights: [Int], size: Int) {
        precondition(permutations.count == weights.count, "one weight per permutation")
        precondition(size >= 2 && isPrime(size), "the Maglev table size must be prime")
        precondition(permutations.count < 1 << 24, "at most 2^24 members")
        precondition(weights.allSatisfy { $0 > 0 }, "weights must be positive")
        self.size = size
        guard !permutations.isEmpty else {
            self.entries = []
            return
        }
        self.entries = Filler.fill(size: size, permutations: permutations, weights: weights)
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
}

/// The table being filled, on raw buffers owned by `fill` (no copy-on-write checks in the probe loop). Which slots
/// are taken is kept in a bitmap (8 KiB for 65,537 slots: the ~11 probes per slot that preference lists cost on
/// average stay in the L1 cache), the owners in `entries`.
private struct Filler {
    /// Turns in the last `tailSize` slots use `claimInTail`.
    static let tailSize = 128

    let size: Int
    let entries: UnsafeMutableBufferPointer<UInt32>
    let taken: UnsafeMutableBufferPointer<UInt64>
    /// Each member's next slot to try, and its step.
    let positions: UnsafeMutableBufferPointer<Int>
    let skips: UnsafeMutableBufferPointer<Int>
    var filled = 0
    /// Free slots once the table is in its tail, and the members' `skip⁻¹ mod size` (0 until needed).
    var free: [Int] = []
    var inverses: [Int]

    /// The entries of a full table.
    static func fill(size: Int, permutations: [MaglevTable.Permutation], weights: [Int]) -> [UInt32] {
        [UInt32](unsafeUninitializedCapacity: size) { entries, initializedCount in
            entries.initialize(repeating: MaglevTable.empty)
            let taken = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: (size + 63) / 64)
            taken.initialize(repeating: 0)
            let positions = UnsafeMutableBufferPointer<Int>.allocate(capacity: permutations.count)
            let skips = UnsafeMutableBufferPointer<Int>.allocate(capacity: permutations.count)
            defer {
                taken.deallocate()
                positions.deallocate()
                skips.deallocate()
            }
            for (member, permutation) in permutations.enumerated() {
                positions[member] = permutation.offset % size
                skips[member] = permutation.skip % size
            }
            var filler = Filler(
                size: size,
                entries: entries,
                taken: taken,
                positions: positions,
                skips: skips,
                inverses: [Int](repeating: 0, count: permutations.count)
            )
            filler.takeTurns(weights: weights)
            initializedCount = size
        }
    }

    /// Katran V2's rounds. Members of equal weight take their turns in the same rounds, so the rounds are walked per
    /// weight class: a heap of `(round, class)` gives the next round and the classes that claim in it, and within a
    /// round the claiming members go in member order (one class: its list; several: merged).
    mutating func takeTurns(weights: [Int]) {
        var classByWeight = [Int: Int]()
        var classWeights: [Int] = []
        var classMembers: [[Int]] = []
        var classOfMember: [Int] = []
        classOfMember.reserveCapacity(weights.count)
        for (member, weight) in weights.enumerated() {
            if let existing = classByWeight[weight] {
                classMembers[existing].append(member)
                classOfMember.append(existing)
            } else {
                classByWeight[weight] = classWeights.count
                classOfMember.append(classWeights.count)
                classWeights.append(weight)
                classMembers.append([member])
            }
        }
        let heaviest = classWeights.max() ?? 1
        var turns = [Int](repeating: 0, count: classWeights.count)
        var heap = MinHeap(capacity: classWeights.count)
        for (index, weight) in classWeights.enumerated() {
            heap.push(UInt64(Filler.round(ofTurn: 1, weight: weight, heaviest)) << 24 | UInt64(index))
        }
        var claiming: [Int] = []
        var merged: [Int] = []
        var isClaiming = [Bool](repeating: false, count: classWeights.count)
        while let first = heap.popMinimum() {
            let round = first >> 24
            claiming.removeAll(keepingCapacity: true)
            claiming.append(Int(first & 0xFF_FFFF))
            while let next = heap.minimum, next >> 24 == round {
                _ = heap.popMinimum()
                claiming.append(Int(next & 0xFF_FFFF))
            }
            if claiming.count == 1 {
                for member in classMembers[claiming[0]] where self.claim(member) { return }
            } else {
                // Several classes: their members in member order, by a scan of all members when they are many,
                // else by sorting just them.
                let claimers = claiming.reduce(0) { $0 + classMembers[$1].count }
                merged.removeAll(keepingCapacity: true)
                if claimers * 4 >= weights.count {
                    for index in claiming { isClaiming[index] = true }
                    for member in weights.indices where isClaiming[classOfMember[member]] { merged.append(member) }
                    for index in claiming { isClaiming[index] = false }
                } else {
                    for index in claiming { merged.append(contentsOf: classMembers[index]) }
                    merged.sort()
                }
                for member in merged where self.claim(member) { return }
            }
            for index in claiming {
                turns[index] += 1
                let next = Filler.round(ofTurn: turns[index] + 1, weight: classWeights[index], heaviest)
                heap.push(UInt64(next) << 24 | UInt64(index))
            }
        }
    }

    /// Member `member` takes the first free slot of its preference list; `true` when that filled the table.
    @inline(__always)
    mutating func claim(_ member: Int) -> Bool {
        if self.size &- self.filled <= Filler.tailSize { return self.claimInTail(member) }
        let size = self.size
        let skip = self.skips[member]
        var slot = self.positions[member]
        while self.taken[slot &>> 6] & (1 &<< UInt64(slot & 63)) != 0 {
            // A conditional move, not a branch: whether a step wraps is a coin toss the predictor cannot learn.
            let wrapped = slot &+ skip &- size
            slot = wrapped < 0 ? wrapped &+ size : wrapped
        }
        self.take(slot, for: member)
        return false
    }

    /// The last `tailSize` slots. Walking a preference list to a free slot costs `size / free` probes on average, so
    /// the last 128 slots would cost ~40 % of all probes (`size * H(128)`). Instead, for each free slot the member's
    /// number of steps to reach it is computed directly, `(slot - position) * skip⁻¹ mod size` (`size` is prime, so
    /// `skip` has an inverse), and the nearest one is taken: the same slot, for one multiplication per free slot.
    mutating func claimInTail(_ member: Int) -> Bool {
        if self.free.isEmpty {
            self.free.reserveCapacity(self.size - self.filled)
            for word in 0..<self.taken.count {
                var vacant = ~self.taken[word]
                while vacant != 0 {
                    let slot = word << 6 | vacant.trailingZeroBitCount
                    if slot < self.size { self.free.append(slot) }
                    vacant &= vacant &- 1
                }
            }
        }
        if self.inverses[member] == 0 { self.inverses[member] = Filler.inverse(self.skips[member], modulo: self.size) }
        let position = self.positions[member]
        let inverse = self.inverses[member]
        let size = self.size
        // distance * inverse < size² < 2^46 is exact in a Double, so the remainder comes from a multiplication by the
        // reciprocal (off by at most one quotient, corrected) instead of a division per free slot.
        let reciprocal = 1 / Double(size)
        var nearest = 0
        var nearestSteps = Int.max
        for (index, slot) in self.free.enumerated() {
            let distance = slot >= position ? slot &- position : slot &- position &+ size
            let product = distance &* inverse
            var steps = product &- Int(Double(product) * reciprocal) &* size
            if steps < 0 { steps &+= size }
            if steps >= size { steps &-= size }
            if steps < nearestSteps {
                nearest = index
                nearestSteps = steps
            }
        }
        let slot = self.free[nearest]
        self.free.swapAt(nearest, self.free.count - 1)
        self.free.removeLast()
        self.take(slot, for: member)
        return self.filled == self.size
    }

    @inline(__always)
    private mutating func take(_ slot: Int, for member: Int) {
        self.taken[slot &>> 6] |= 1 &<< UInt64(slot & 63)
        self.entries[slot] = UInt32(truncatingIfNeeded: member)
        let next = slot &+ self.skips[member]
        self.positions[member] = next >= self.size ? next &- self.size : next
        self.filled &+= 1
    }

    /// `value⁻¹ mod modulus` for a prime modulus (extended Euclid).
    static func inverse(_ value: Int, modulo modulus: Int) -> Int {
        var (oldRemainder, remainder) = (value % modulus, modulus)
        var (oldCoefficient, coefficient) = (1, 0)
        while remainder != 0 {
            let quotient = oldRemainder / remainder
            (oldRemainder, remainder) = (remainder, oldRemainder - quotient * remainder)
            (oldCoefficient, coefficient) = (coefficient, oldCoefficient - quotient * coefficient)
        }
        return (oldCoefficient % modulus + modulus) % modulus
    }

    /// The round of a class's `turn`-th claim: the first round r with r * weight >= turn * heaviest.
    @inline(__always)
    static func round(ofTurn turn: Int, weight: Int, _ heaviest: Int) -> Int {
        (turn * heaviest + weight - 1) / weight
    }
}

/// A binary min-heap of `UInt64`, enough for the weighted table build (the module uses only the standard library).
private struct MinHeap {
    private var storage: [UInt64]

    init(capacity: Int) {
        self.storage = []
        self.storage.reserveCapacity(capacity)
    }

    var minimum: UInt64? { self.storage.first }

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
