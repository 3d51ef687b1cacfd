import FulcrumBalancing
import FulcrumNet
import Synchronization
import Testing

@Suite struct ExplainTests {
    /// For hash algorithms the explanation names the real pick and says why.
    @Test func hashExplanationMatchesPick() {
        let balancer = makeBalancer(.maglev(tableSize: 65537), goldenMembers())
        let context = PickContext(client: IPEndpoint("192.0.2.1:1000"))
        let explanation = balancer.explain(context)
        #expect(explanation.index == balancer.pick(context, excluding: Exclusions()))
        #expect(explanation.reason.contains("source_ip 192.0.2.1"))
        #expect(explanation.reason.contains("of 65537"))
        #expect(explanation.reason.hasSuffix("[::1]:9002"))
        let source = makeBalancer(.sourceHash, goldenMembers())
        #expect(source.explain(context).index == source.pick(context, excluding: Exclusions()))
    }

    @Test func fallbackIsExplained() {
        let members = makeMembers([1, 1, 1], maxConnections: 1)
        let balancer = makeBalancer(.maglev(tableSize: 65537), members)
        let context = PickContext(client: client(3))
        let owner = balancer.pick(context, excluding: Exclusions())!
        balancer.members[owner].load.active.store(1, ordering: .relaxed)
        let explanation = balancer.explain(context)
        #expect(explanation.index == balancer.pick(context, excluding: Exclusions()))
        #expect(explanation.index != owner)
        #expect(explanation.reason.contains("full or excluded"))
    }

    /// Asking does not move the rotation: the next real pick is the one that was explained.
    @Test(arguments: [BalanceAlgorithm.roundRobin, .leastConnections])
    func explainingDoesNotMoveTheRotation(_ algorithm: BalanceAlgorithm) {
        let balancer = makeBalancer(algorithm, makeMembers([1, 1, 1]))
        _ = balancer.pick(PickContext(), excluding: Exclusions())
        let explained = balancer.explain(PickContext())
        #expect(balancer.explain(PickContext()).index == explained.index)
        #expect(balancer.pick(PickContext(), excluding: Exclusions()) == explained.index)
    }

    @Test(arguments: allAlgorithms)
    func noEligibleBackendIsExplained(_ algorithm: BalanceAlgorithm) {
        let explanation = makeBalancer(algorithm, []).explain(PickContext(client: client(1)))
        #expect(explanation.index == nil)
        #expect(explanation.reason.hasPrefix(algorithm.name))
        #expect(makeBalancer(algorithm, []).algorithm == algorithm)
    }
}
