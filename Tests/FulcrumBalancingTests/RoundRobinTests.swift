import FulcrumBalancing
import Synchronization
import Testing

@Suite struct RoundRobinTests {
    private func roundRobin(
        _ weights: [Int],
        rotation: RoundRobinRotation = RoundRobinRotation()
    ) -> RoundRobinBalancer {
        makeBalancer(.roundRobin, makeMembers(weights), rotation: rotation) as! RoundRobinBalancer
    }

    /// nginx's documented example: weights a=5, b=1, c=1 give `a a b a c a a`, and picks walk that cycle.
    @Test func nginxSmoothSequence() {
        let balancer = self.roundRobin([5, 1, 1])
        #expect(balancer.cycle == [0, 0, 1, 0, 2, 0, 0])
        let picks = (0..<14).map { _ in balancer.pick(PickContext(), excluding: Exclusions())! }
        #expect(picks == [0, 0, 1, 0, 2, 0, 0, 0, 0, 1, 0, 2, 0, 0])
    }

    /// The smoothness property of nginx's algorithm, for many weight sets: after any number t of picks (over two
    /// cycles, so windows that wrap are covered), each member's count differs from its ideal `t * w / sum` by less
    /// than one, hence any window of k consecutive picks gives a member fewer than `k * share + 2` turns. A cycle is
    /// `sum / gcd` long and gives each member exactly its reduced weight.
    @Test func smoothnessForRandomWeights() {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<150 {
            let count = Int.random(in: 1...8, using: &generator)
            let weights = (0..<count).map { _ in Int.random(in: 1...20, using: &generator) }
            let cycle = self.roundRobin(weights).cycle
            var divisor = 0
            for weight in weights { divisor = gcd(divisor, weight) }
            let reduced = weights.map { $0 / divisor }
            let total = reduced.reduce(0, +)
            #expect(cycle.count == total)
            var counts = [Int](repeating: 0, count: count)
            var worst = 0.0
            for (step, member) in (cycle + cycle).enumerated() {
                counts[member] += 1
                for index in 0..<count {
                    let ideal = Double(step + 1) * Double(reduced[index]) / Double(total)
                    worst = max(worst, abs(Double(counts[index]) - ideal))
                }
                if step + 1 == total { #expect(counts == reduced, "weights \(weights)") }
            }
            #expect(worst < 1, "weights \(weights)")
        }
    }

    /// SPEC §7: with equal weights sequential connections strictly alternate, and the rotation is the service's:
    /// it survives a new snapshot (reload, health change) built with the same rotation.
    @Test func equalWeightsStrictlyAlternateAcrossSnapshots() {
        let rotation = RoundRobinRotation()
        let first = self.roundRobin([3, 3, 3, 3], rotation: rotation)
        let picks = (0..<10).map { _ in first.pick(PickContext(), excluding: Exclusions())! }
        #expect(picks == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1])
        let second = self.roundRobin([3, 3, 3, 3], rotation: rotation)
        let more = (0..<4).map { _ in second.pick(PickContext(), excluding: Exclusions())! }
        #expect(more == [2, 3, 0, 1])
    }

    /// One rotation shared by all threads: 4 concurrent pickers share out 12,000 picks over 3 members exactly evenly
    /// (per-thread cursors would not guarantee it).
    @Test func oneRotationAcrossThreads() async {
        let balancer = self.roundRobin([1, 1, 1])
        let counts = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var counts = [0, 0, 0]
                    for _ in 0..<3000 { counts[balancer.pick(PickContext(), excluding: Exclusions())!] += 1 }
                    return counts
                }
            }
            var total = [0, 0, 0]
            for await partial in group { for index in 0..<3 { total[index] += partial[index] } }
            return total
        }
        #expect(counts == [4000, 4000, 4000])
    }

    @Test func weightsOneTwoThree() {
        let members = makeMembers([1, 2, 3])
        let counts = pickCounts(makeBalancer(.roundRobin, members), picks: 6000)
        #expect(counts == [backendKey(0): 1000, backendKey(1): 2000, backendKey(2): 3000])
    }

    /// Big weights: the cycle is bounded (at most 65,536 steps plus one per member) and shares stay within 1.5 %.
    @Test func bigWeightsAreApportionedOntoABoundedCycle() {
        let weights = (0..<100).map { 10_000 - 37 * $0 }
        let balancer = self.roundRobin(weights)
        let cycle = balancer.cycle
        #expect(cycle.count <= 65_536 + weights.count)
        #expect(cycle.count >= 65_536)
        var counts = [Int](repeating: 0, count: weights.count)
        for member in cycle { counts[member] += 1 }
        let total = Double(weights.reduce(0, +))
        for (canonical, member) in balancer.members.enumerated() {
            let expected = Double(member.weight) / total * Double(cycle.count)
            #expect(abs(Double(counts[canonical]) - expected) <= 0.015 * expected)
        }
    }

    /// A full member is passed over; the others keep their relative shares.
    @Test func fullMemberIsSkipped() {
        let members = makeMembers([1, 2, 3], maxConnections: 5)
        let balancer = makeBalancer(.roundRobin, members)
        members[1].load.active.store(5, ordering: .relaxed)
        let counts = pickCounts(balancer, picks: 4000)
        #expect(counts[backendKey(1)] == nil)
        #expect(counts[backendKey(0), default: 0] + counts[backendKey(2), default: 0] == 4000)
        let ratio = Double(counts[backendKey(2), default: 0]) / Double(counts[backendKey(0), default: 1])
        #expect(abs(ratio - 3) < 0.1)
    }

    private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : self.gcd(b, a % b) }
}
