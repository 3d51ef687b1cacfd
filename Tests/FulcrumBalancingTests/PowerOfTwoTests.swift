import FulcrumBalancing
import Synchronization
import Testing

@Suite struct PowerOfTwoTests {
    /// SPEC §7: two distinct candidates. With one loaded member of two, drawing the same member twice would sometimes
    /// return the loaded one; distinct draws never do.
    @Test func twoDistinctCandidates() {
        let members = makeMembers([1, 1])
        let balancer = makeBalancer(.powerOfTwo, members)
        members[0].load.active.store(10, ordering: .relaxed)
        let counts = pickCounts(balancer, picks: 5000)
        #expect(counts == [backendKey(1): 5000])
    }

    /// With one idle member among three loaded equally, it wins whenever it is one of the two candidates: with
    /// distinct draws that is 2/3 of the picks (independent draws would give 5/9).
    @Test func idleMemberWinsWhenDrawn() {
        let members = makeMembers([1, 1, 1])
        let balancer = makeBalancer(.powerOfTwo, members)
        members[1].load.active.store(10, ordering: .relaxed)
        members[2].load.active.store(10, ordering: .relaxed)
        let counts = pickCounts(balancer, picks: 60000)
        let share = Double(counts[backendKey(0), default: 0]) / 60000
        #expect(abs(share - 2.0 / 3.0) < 0.01)
    }

    /// Held connections: power of two keeps the most and least loaded members close (plain random would not).
    @Test func reactsToHeldConnections() {
        let members = makeMembers([Int](repeating: 1, count: 10))
        let balancer = makeBalancer(.powerOfTwo, members)
        var generator = SplitMix64(seed: 3)
        for _ in 0..<10000 {
            let picked = balancer.pick(PickContext(random: generator.next()), excluding: Exclusions())!
            balancer.members[picked].load.active.add(1, ordering: .relaxed)
        }
        let active = members.map { $0.load.active.load(ordering: .relaxed) }
        #expect(active.reduce(0, +) == 10000)
        #expect(active.max()! - active.min()! <= 10)
    }

    /// Idle members are chosen in proportion to their weights (the first draw wins ties): 1:2:3 within 3 %.
    @Test func weightsOneTwoThree() {
        let members = makeMembers([1, 2, 3])
        let counts = pickCounts(makeBalancer(.powerOfTwo, members), picks: 300_000)
        #expect(sharesMatchWeights(counts, members, tolerance: 0.03))
    }

    /// Loads compared per weight: 4 active on weight 1 lose against 6 on weight 3.
    @Test func comparesActivePerWeight() {
        let members = makeMembers([1, 3])
        let balancer = makeBalancer(.powerOfTwo, members)
        members[0].load.active.store(4, ordering: .relaxed)
        members[1].load.active.store(6, ordering: .relaxed)
        #expect(pickCounts(balancer, picks: 2000) == [backendKey(1): 2000])
    }

    /// A fixed `random` fixes the pick: the balancer holds no random state of its own.
    @Test func deterministicForAFixedRandom() {
        let balancer = makeBalancer(.powerOfTwo, makeMembers([1, 2, 3, 4, 5]))
        for seed in 0..<100 as Range<UInt64> {
            let context = PickContext(random: SplitMix64.mix(seed))
            #expect(balancer.pick(context, excluding: Exclusions()) == balancer.pick(context, excluding: Exclusions()))
        }
    }
}
