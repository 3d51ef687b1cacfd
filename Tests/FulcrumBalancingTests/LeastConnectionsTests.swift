import FulcrumBalancing
import Synchronization
import Testing

@Suite struct LeastConnectionsTests {
    @Test func picksFewestActive() {
        let members = makeMembers([1, 1, 1])
        let balancer = makeBalancer(.leastConnections, members)
        for (index, active) in [5, 2, 7].enumerated() { members[index].load.active.store(active, ordering: .relaxed) }
        for _ in 0..<20 { #expect(balancer.pick(PickContext(), excluding: Exclusions()) == 1) }
    }

    /// active / weight: 4 / 1 is more loaded than 6 / 3.
    @Test func activePerWeight() {
        let members = makeMembers([1, 3])
        let balancer = makeBalancer(.leastConnections, members)
        members[0].load.active.store(4, ordering: .relaxed)
        members[1].load.active.store(6, ordering: .relaxed)
        #expect(balancer.pick(PickContext(), excluding: Exclusions()) == 1)
        members[1].load.active.store(13, ordering: .relaxed)
        #expect(balancer.pick(PickContext(), excluding: Exclusions()) == 0)
    }

    /// Connections that are held (never closed) end up spread in proportion to the weights.
    @Test func heldConnectionsFollowWeights() {
        let members = makeMembers([1, 2, 3])
        let balancer = makeBalancer(.leastConnections, members)
        for _ in 0..<600 {
            let picked = balancer.pick(PickContext(), excluding: Exclusions())!
            balancer.members[picked].load.active.add(1, ordering: .relaxed)
        }
        let active = members.map { $0.load.active.load(ordering: .relaxed) }
        #expect(abs(active[0] - 100) <= 1 && abs(active[1] - 200) <= 1 && abs(active[2] - 300) <= 1)
    }

    /// Ties are broken by the service's rotation: idle members with equal weights strictly alternate.
    @Test func tiesAlternate() {
        let balancer = makeBalancer(.leastConnections, makeMembers([1, 1, 1]))
        let picks = (0..<7).map { _ in balancer.pick(PickContext(), excluding: Exclusions())! }
        #expect(picks == [0, 1, 2, 0, 1, 2, 0])
    }

    /// All idle (short connections): ties follow the smooth weighted cycle, so weights 1, 2, 3 give 1:2:3.
    @Test func idleMembersFollowWeights() {
        let members = makeMembers([1, 2, 3])
        let counts = pickCounts(makeBalancer(.leastConnections, members), picks: 6000)
        #expect(counts == [backendKey(0): 1000, backendKey(1): 2000, backendKey(2): 3000])
    }

    @Test func fullAndExcludedMembersAreSkipped() {
        let members = makeMembers([1, 1, 1], maxConnections: 3)
        let balancer = makeBalancer(.leastConnections, members)
        members[0].load.active.store(3, ordering: .relaxed)
        members[1].load.active.store(2, ordering: .relaxed)
        members[2].load.active.store(1, ordering: .relaxed)
        #expect(balancer.pick(PickContext(), excluding: Exclusions()) == 2)
        #expect(balancer.pick(PickContext(), excluding: exclusions([2])) == 1)
        #expect(balancer.pick(PickContext(), excluding: exclusions([1, 2])) == nil)
    }
}
