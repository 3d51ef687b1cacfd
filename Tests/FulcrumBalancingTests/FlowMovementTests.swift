import FulcrumBalancing
import Testing

@Suite struct FlowMovementTests {
    /// The share of clients that change backend, measured directly on many hashes: what FlowMovement must match.
    private func sampledMoved(_ old: any LoadBalancer, _ new: any LoadBalancer, samples: Int = 200_000) -> Double {
        let before = old as! any HashingLoadBalancer
        let after = new as! any HashingLoadBalancer
        var generator = SplitMix64(seed: 17)
        var moved = 0
        for _ in 0..<samples {
            let hash = generator.next()
            let oldKey = before.owner(ofHash: hash).map { before.members[$0].key }
            let newKey = after.owner(ofHash: hash).map { after.members[$0].key }
            if oldKey != newKey { moved += 1 }
        }
        return Double(moved) / Double(samples)
    }

    @Test func identicalTablesMoveNothing() {
        for algorithm in [BalanceAlgorithm.sourceHash, .maglev(tableSize: 65537)] {
            let old = makeBalancer(algorithm, makeMembers([1, 2, 3]))
            let new = makeBalancer(algorithm, makeMembers([1, 2, 3]).reversed())
            #expect(FlowMovement.fractionMoved(from: old, to: new) == 0)
        }
    }

    /// Maglev, one of 10 removed: about 10 %, and exactly the share of slots whose owner changed.
    @Test func maglevRemoveOneOfTen() throws {
        let members = makeMembers([Int](repeating: 1, count: 10))
        let old = makeBalancer(.maglev(tableSize: 65537), members) as! MaglevBalancer
        let new = makeBalancer(.maglev(tableSize: 65537), Array(members.dropFirst(3)) + members.prefix(2))
            as! MaglevBalancer
        let fraction = try #require(FlowMovement.fractionMoved(from: old, to: new))
        #expect(fraction >= 0.1 && fraction <= 0.11)
        let changedSlots = (0..<65537).filter {
            old.members[old.lookup[$0]!].key != new.members[new.lookup[$0]!].key
        }.count
        #expect(fraction == Double(changedSlots) / 65537)
    }

    /// Source hash compared exactly over intervals agrees with sampling, for a removal and for a weight change.
    @Test func sourceHashExactMatchesSampling() throws {
        let members = makeMembers([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        let old = makeBalancer(.sourceHash, members)
        var reweighted = members
        reweighted[4].weight = 1
        for new in [makeBalancer(.sourceHash, Array(members.dropLast())), makeBalancer(.sourceHash, reweighted)] {
            let fraction = try #require(FlowMovement.fractionMoved(from: old, to: new))
            #expect(abs(fraction - self.sampledMoved(old, new)) < 0.005)
            #expect(fraction > 0.05)
        }
    }

    /// Different table sizes, maglev against source_hash, or another hash_key: the independent-lookup formula, checked
    /// against sampling (same hash_key) or its closed form (equal shares: 1 - 1/n).
    @Test func differentTablesAgreeWithSampling() throws {
        let members = makeMembers([1, 1, 1, 1, 1, 1, 1, 1])
        let maglev = makeBalancer(.maglev(tableSize: 65537), members)
        let smaller = makeBalancer(.maglev(tableSize: 65521), members)
        let sourceHash = makeBalancer(.sourceHash, members)
        for (old, new) in [(maglev, smaller), (maglev, sourceHash), (sourceHash, smaller)] {
            let fraction = try #require(FlowMovement.fractionMoved(from: old, to: new))
            #expect(abs(fraction - self.sampledMoved(old, new)) < 0.005)
        }
        let byPort = makeBalancer(.maglev(tableSize: 65537), members, hashKey: .sourceIPPort)
        let fraction = try #require(FlowMovement.fractionMoved(from: maglev, to: byPort))
        #expect(abs(fraction - 7.0 / 8.0) < 0.001)
    }

    @Test func emptyTables() {
        let empty = makeBalancer(.maglev(tableSize: 65537), [])
        let full = makeBalancer(.maglev(tableSize: 65537), makeMembers([1]))
        #expect(FlowMovement.fractionMoved(from: empty, to: full) == 1)
        #expect(FlowMovement.fractionMoved(from: full, to: empty) == 1)
        #expect(FlowMovement.fractionMoved(from: empty, to: makeBalancer(.sourceHash, [])) == 0)
    }

    @Test(arguments: [BalanceAlgorithm.roundRobin, .leastConnections, .powerOfTwo, .random])
    func noneForNonHashAlgorithms(_ algorithm: BalanceAlgorithm) {
        let hashing = makeBalancer(.maglev(tableSize: 7), makeMembers([1]))
        let other = makeBalancer(algorithm, makeMembers([1]))
        #expect(FlowMovement.fractionMoved(from: hashing, to: other) == nil)
        #expect(FlowMovement.fractionMoved(from: other, to: hashing) == nil)
    }
}
