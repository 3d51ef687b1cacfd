/// `power_of_two`: two distinct members drawn at random in proportion to their weights, and the one with fewer active
/// connections per unit of weight wins (Mitzenmacher, "The Power of Two Choices in Randomized Load Balancing", 2001;
/// Envoy's least-request balancer with `choice_count: 2`).
///
/// Invariants: with two or more eligible members the two candidates are distinct (the second is drawn from the
/// weighted set without the first); with one, it is the answer. Randomness comes only from `context.random` and
/// SplitMix64 values derived from it, so a pick reads no shared random state and a fixed `random` fixes the pick.
/// On a tie the first draw wins, so idle members are chosen in proportion to their weights.
public final class PowerOfTwoBalancer: LoadBalancer, IntrospectableBalancer {
    let table: MemberTable

    public var members: [BalancerMember] { self.table.members }
    var kind: BalanceAlgorithm { .powerOfTwo }

    init(table: MemberTable) {
        self.table = table
    }

    public func pick(_ context: PickContext, excluding: Exclusions) -> Int? {
        self.choose(context, excluding: excluding)?.winner
    }

    private func choose(_ context: PickContext, excluding: Exclusions) -> (winner: Int, other: Int?)? {
        var generator = SplitMix64(seed: context.random)
        guard let first = self.table.weightedDraw(first: context.random, generator: &generator, excluding: excluding)
        else { return nil }
        guard
            let second = self.table.weightedDraw(
                first: generator.next(),
                generator: &generator,
                excluding: excluding,
                other: first
            )
        else { return (first, nil) }
        let firstLoad = self.table.active(first) * self.table.weights[second]
        let secondLoad = self.table.active(second) * self.table.weights[first]
        return secondLoad < firstLoad ? (second, first) : (first, second)
    }

    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation {
        guard let (winner, other) = self.choose(context, excluding: excluding) else {
            return PickExplanation(index: nil, reason: "power_of_two: no eligible backend")
        }
        guard let other else {
            return PickExplanation(
                index: winner,
                reason: "power_of_two: the only eligible backend -> \(self.table.describe(winner))"
            )
        }
        return PickExplanation(
            index: winner,
            reason: "power_of_two: drew \(self.table.describe(winner)) and \(self.table.describe(other)),"
                + " fewer active per weight wins -> \(self.table.members[winner].key)"
        )
    }
}
