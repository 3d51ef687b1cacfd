import FulcrumBalancing
import Testing

@Suite struct MaglevTableTests {
    /// The example of the paper (Eisenbud et al., NSDI 2016, Table 1), size 7:
    ///   B0: offset 3, skip 4 -> preference list 3 0 4 1 5 2 6
    ///   B1: offset 0, skip 2 -> 0 2 4 6 1 3 5
    ///   B2: offset 3, skip 1 -> 3 4 5 6 0 1 2
    /// Round 1: B0 takes 3; B1 takes 0; B2 wants 3 (taken), takes 4.
    /// Round 2: B0 wants 0, 4 (taken), takes 1; B1 takes 2; B2 takes 5.
    /// Round 3: B0 wants 5, 2 (taken), takes 6: the table is full.
    /// Table: B1 B0 B1 B0 B2 B2 B0, as printed in the paper.
    @Test func paperExample() {
        let table = MaglevTable(
            permutations: [.init(offset: 3, skip: 4), .init(offset: 0, skip: 2), .init(offset: 3, skip: 1)],
            weights: [1, 1, 1],
            size: 7
        )
        #expect((0..<7).map { table[$0]! } == [1, 0, 1, 0, 2, 2, 0])
    }

    /// Real keys at size 13. Permutations (XXH64 seeds 0 and 1 of the key; reference values):
    ///   k0 "10.0.0.1:80": offset 11, skip 11 -> 11 9 7 5 3 1 12 10 8 6 4 2 0
    ///   k1 "10.0.0.2:80": offset 11, skip 10 -> 11 8 5 2 12 9 6 3 0 10 7 4 1
    ///   k2 "10.0.0.3:80": offset 0, skip 12  -> 0 12 11 10 9 8 7 6 5 4 3 2 1
    /// R1: k0 11; k1 8 (11 taken); k2 0.        R2: k0 9; k1 5; k2 12.
    /// R3: k0 7; k1 2; k2 10 (11 taken).        R4: k0 3 (5 taken); k1 6 (12, 9 taken); k2 4 (9..5 taken).
    /// R5: k0 1: full.
    /// Table: slot 0..12 = k2 k0 k1 k0 k2 k1 k1 k0 k1 k0 k2 k0 k2.
    @Test func goldenTableOfSize13() {
        let keys = ["10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"]
        #expect(keys.map { MaglevTable.permutation(forKey: $0, size: 13) } == [
            .init(offset: 11, skip: 11), .init(offset: 11, skip: 10), .init(offset: 0, skip: 12),
        ])
        let table = MaglevTable(keys: keys, weights: [1, 1, 1], size: 13)
        #expect((0..<13).map { table[$0]! } == [2, 0, 1, 0, 2, 1, 1, 0, 1, 0, 2, 0, 2])
        // Weights 1, 2, 3 (Katran V2 turns; the reference script's output).
        let weighted = MaglevTable(keys: keys, weights: [1, 2, 3], size: 13)
        #expect((0..<13).map { weighted[$0]! } == [2, 2, 1, 0, 2, 1, 2, 2, 1, 0, 2, 1, 2])
    }

    /// The heap-driven weighted build gives exactly the table of Katran's literal loop (ported below) for many weight
    /// sets and sizes.
    @Test func weightedBuildMatchesKatranLoop() {
        var generator = SplitMix64(seed: 11)
        for size in [7, 97, 1009, 65537] {
            for _ in 0..<(size == 65537 ? 2 : 20) {
                let count = Int.random(in: 1...(size == 7 ? 12 : 40), using: &generator)
                let weights = (0..<count).map { _ in Int.random(in: 1...50, using: &generator) }
                let keys = (0..<count).map(backendKey)
                let table = MaglevTable(keys: keys, weights: weights, size: size)
                let expected = katranV2(keys: keys, weights: weights, size: size)
                #expect((0..<size).map { table[$0]! } == expected, "size \(size) weights \(weights)")
            }
        }
    }

    /// Equal weights: every member's slot count differs by at most one (Katran's CHHelpersTest property).
    @Test(arguments: [3, 10, 100, 1000])
    func equalWeightsShareWithinOneSlot(_ count: Int) {
        let weights = [Int](repeating: 1, count: count)
        let table = MaglevTable(keys: (0..<count).map(backendKey), weights: weights, size: 65537)
        let counts = table.slotCounts(memberCount: count)
        #expect(counts.max()! - counts.min()! <= 1)
        #expect(counts.reduce(0, +) == 65537)
    }

    /// Weights are respected: each member's share of the slots is its weight's share, within 1 %.
    @Test func weightedShares() {
        let weights = [1, 2, 3, 10, 4]
        let table = MaglevTable(keys: (0..<5).map(backendKey), weights: weights, size: 65537)
        let counts = table.slotCounts(memberCount: 5)
        for (index, weight) in weights.enumerated() {
            let expected = 65537.0 * Double(weight) / 20.0
            #expect(abs(Double(counts[index]) - expected) <= 0.01 * expected)
        }
    }

    /// The paper's disruption property (§5.3) at size 65537: removing one of 10 members moves about 10 % of the
    /// slots, and of the slots that were on the other members at most 1 % move; one of 100: at most 1.5 %.
    @Test(arguments: [(10, 0.01), (100, 0.015)])
    func removingOneMemberMovesLittleElse(_ count: Int, _ bound: Double) {
        let keys = (0..<count).map(backendKey)
        let before = MaglevTable(keys: keys, weights: [Int](repeating: 1, count: count), size: 65537)
        for removed in [0, count / 2, count - 1] {
            var remaining = keys
            remaining.remove(at: removed)
            let after = MaglevTable(keys: remaining, weights: [Int](repeating: 1, count: count - 1), size: 65537)
            var moved = 0
            var othersTotal = 0
            var othersMoved = 0
            for slot in 0..<65537 {
                let old = keys[before[slot]!]
                let new = remaining[after[slot]!]
                if old != new { moved += 1 }
                if old != keys[removed] {
                    othersTotal += 1
                    if old != new { othersMoved += 1 }
                }
            }
            let share = Double(moved) / 65537
            #expect(share >= 1 / Double(count) && share <= 1 / Double(count) + bound)
            #expect(Double(othersMoved) / Double(othersTotal) <= bound, "removed \(removed)")
        }
    }

    /// More members than slots: the table fills with the first turns and stays valid.
    @Test func moreMembersThanSlots() {
        let table = MaglevTable(keys: (0..<10).map(backendKey), weights: [Int](repeating: 1, count: 10), size: 7)
        let owners = (0..<7).map { table[$0]! }
        #expect(Set(owners) == Set(0..<7))
    }

    @Test func validSizes() {
        #expect(MaglevTable.isValidSize(7))
        #expect(MaglevTable.isValidSize(65537))
        #expect(MaglevTable.isValidSize(5_000_011))
        #expect(!MaglevTable.isValidSize(5))
        #expect(!MaglevTable.isValidSize(65536))
        #expect(!MaglevTable.isValidSize(5_000_012))
        #expect(MaglevTable(keys: [], weights: [], size: 7)[0] == nil)
    }
}

/// Katran's MaglevHashV2 loop, literally: rounds over the members; a member takes a turn when its running weight
/// reaches the largest weight.
func katranV2(keys: [String], weights: [Int], size: Int) -> [Int] {
    let permutations = keys.map { MaglevTable.permutation(forKey: $0, size: size) }
    var table = [Int](repeating: -1, count: size)
    var next = permutations.map { $0.offset }
    var running = [Int](repeating: 0, count: keys.count)
    let heaviest = weights.max()!
    var filled = 0
    while true {
        for member in keys.indices {
            running[member] += weights[member]
            guard running[member] >= heaviest else { continue }
            running[member] -= heaviest
            var slot = next[member]
            while table[slot] >= 0 { slot = (slot + permutations[member].skip) % size }
            table[slot] = member
            next[member] = (slot + permutations[member].skip) % size
            filled += 1
            if filled == size { return table }
        }
    }
}
