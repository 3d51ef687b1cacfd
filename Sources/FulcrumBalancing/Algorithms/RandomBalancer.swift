/// `random`: an eligible member drawn in proportion to its weight, from `context.random` (and SplitMix64 values
/// derived from it when the first draws hit full or excluded members).
///
/// Invariant: the distribution is exactly the weighted one over the eligible members (rejection of ineligible draws,
/// then an exact draw over the eligible set); a pick is a binary search over cumulative weights.
public final class RandomBalancer: LoadBalancer, IntrospectableBalancer {
    let table: MemberTable

    public var members: [BalancerMember] { self.table.members }
    var kind: BalanceAlgorithm { .random }

    init(table: MemberTable) {
        self.table = table
    }

    public func pick(_ context: PickContext, excluding: Exclusions) -> Int? {
        var generator = SplitMix64(seed: context.random)
        return self.table.weightedDraw(first: context.random, generator: &generator, excluding: excluding)
    }

    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation {
        guard let index = self.pick(context, excluding: excluding) else {
            return PickExplanation(index: nil, reason: "random: no eligible backend")
        }
        return PickExplanation(index: index, reason: "random: weighted draw -> \(self.table.describe(index))")
    }
}
