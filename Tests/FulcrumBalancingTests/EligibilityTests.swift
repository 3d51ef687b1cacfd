import FulcrumBalancing
import Synchronization
import Testing

/// Properties every algorithm shares: none eligible gives nil; full and excluded members are never picked.
@Suite struct EligibilityTests {
    @Test(arguments: allAlgorithms)
    func noMembersGivesNil(_ algorithm: BalanceAlgorithm) {
        let balancer = makeBalancer(algorithm, [])
        #expect(balancer.members.isEmpty)
        #expect(balancer.pick(PickContext(client: client(1), random: 1), excluding: Exclusions()) == nil)
    }

    @Test(arguments: allAlgorithms)
    func allFullGivesNil(_ algorithm: BalanceAlgorithm) {
        let members = makeMembers([1, 2, 3], maxConnections: 2)
        for member in members { member.load.active.store(2, ordering: .relaxed) }
        let balancer = makeBalancer(algorithm, members)
        #expect(pickCounts(balancer, picks: 200).isEmpty)
    }

    @Test(arguments: allAlgorithms)
    func allExcludedGivesNil(_ algorithm: BalanceAlgorithm) {
        let balancer = makeBalancer(algorithm, makeMembers([1, 2, 3]))
        #expect(pickCounts(balancer, picks: 200, excluding: exclusions([0, 1, 2])).isEmpty)
    }

    /// Only one member left (the others full or excluded): every pick is that member.
    @Test(arguments: allAlgorithms)
    func theOnlyEligibleMemberIsPicked(_ algorithm: BalanceAlgorithm) {
        let members = makeMembers([5, 1, 2, 3], maxConnections: 1)
        let balancer = makeBalancer(algorithm, members)
        members[0].load.active.store(1, ordering: .relaxed)
        members[2].load.active.store(1, ordering: .relaxed)
        let excluded = index(of: backendKey(3), in: balancer)
        #expect(pickCounts(balancer, picks: 500, excluding: exclusions([excluded])) == [backendKey(1): 500])
    }

    /// A member that becomes full mid-way is skipped from then on, and picked again once it has room.
    @Test(arguments: allAlgorithms)
    func fullnessIsReadAtPickTime(_ algorithm: BalanceAlgorithm) {
        let members = makeMembers([1, 1, 1, 1], maxConnections: 1)
        let balancer = makeBalancer(algorithm, members)
        members[2].load.active.store(1, ordering: .relaxed)
        #expect(pickCounts(balancer, picks: 2000)[backendKey(2)] == nil)
        members[2].load.active.store(0, ordering: .relaxed)
        #expect(pickCounts(balancer, picks: 2000)[backendKey(2), default: 0] > 0)
    }

    /// Members of weight 0 are not candidates even if a caller passes them; members come back in canonical order.
    @Test(arguments: allAlgorithms)
    func zeroWeightMembersAreLeftOut(_ algorithm: BalanceAlgorithm) {
        let balancer = makeBalancer(algorithm, makeMembers([0, 2, 0, 1]))
        #expect(balancer.members.map(\.key) == [backendKey(1), backendKey(3)])
        #expect(Set(pickCounts(balancer, picks: 1000).keys).isSubset(of: [backendKey(1), backendKey(3)]))
    }

    /// Canonical order: by key (byte order), then weight, then id.
    @Test func canonicalOrder() {
        let load = BackendLoad()
        let balancer = makeBalancer(.roundRobin, [
            BalancerMember(id: BackendID(9), key: "b", weight: 1, load: load),
            BalancerMember(id: BackendID(5), key: "a", weight: 1, load: load),
            BalancerMember(id: BackendID(8), key: "b", weight: 2, load: load),
            BalancerMember(id: BackendID(2), key: "b", weight: 1, load: load),
            BalancerMember(id: BackendID(1), key: "[::1]:80", weight: 1, load: load),
            BalancerMember(id: BackendID(3), key: "10.0.0.10:80", weight: 1, load: load),
            BalancerMember(id: BackendID(4), key: "10.0.0.9:80", weight: 1, load: load),
        ])
        #expect(balancer.members.map(\.id.rawValue) == [3, 4, 1, 5, 2, 9, 8])
    }
}
