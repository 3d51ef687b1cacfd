import FulcrumBalancing
import Synchronization
import Testing

@Suite struct RandomBalancerTests {
    @Test func weightsOneTwoThree() {
        let members = makeMembers([1, 2, 3])
        let counts = pickCounts(makeBalancer(.random, members), picks: 300_000)
        #expect(sharesMatchWeights(counts, members, tolerance: 0.03))
    }

    /// The weighted distribution holds over the eligible members when some are full or excluded.
    @Test func weightedOverTheEligibleMembers() {
        let members = makeMembers([5, 1, 2, 3], maxConnections: 1)
        let balancer = makeBalancer(.random, members)
        members[0].load.active.store(1, ordering: .relaxed)
        let excluded = index(of: backendKey(3), in: balancer)
        let counts = pickCounts(balancer, picks: 90_000, excluding: exclusions([excluded]))
        #expect(counts[backendKey(0)] == nil && counts[backendKey(3)] == nil)
        #expect(sharesMatchWeights(counts, [members[1], members[2]], tolerance: 0.03))
    }
}
