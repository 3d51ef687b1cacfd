/// `round_robin`: smooth weighted round robin (nginx's algorithm, see `SmoothWeightedSequence`), one rotation per
/// service shared by every engine thread.
///
/// Invariants: with equal weights, sequential picks strictly alternate over the members in canonical order, across
/// threads and across snapshots that share `rotation`; over one cycle every member gets exactly its (reduced)
/// weight in turns, spread as evenly as nginx spreads them. A full or excluded member's turn is passed over and the
/// pick takes the next turn of the rotation, so the other members keep their relative shares; when many turns in a
/// row are unavailable, the next eligible member in canonical order.
public final class RoundRobinBalancer: LoadBalancer, IntrospectableBalancer {
    /// Entries of the cycle tried before falling back to a scan of the members (bounds a pick when most are full).
    static let probeLimit = 64

    let table: MemberTable
    let sequence: SmoothWeightedSequence
    let rotation: RoundRobinRotation

    public var members: [BalancerMember] { self.table.members }
    var kind: BalanceAlgorithm { .roundRobin }

    init(table: MemberTable, rotation: RoundRobinRotation) {
        self.table = table
        self.sequence = SmoothWeightedSequence(weights: table.weights)
        self.rotation = rotation
    }

    /// One cycle of the smooth sequence, as member indices (for tests and the status page).
    public var cycle: [Int] { self.sequence.order.map { Int($0) } }

    public func pick(_ context: PickContext, excluding: Exclusions) -> Int? {
        guard self.table.count > 0 else { return nil }
        return self.choose(from: self.rotation.next(), excluding: excluding, takingTurns: true)
    }

    /// The member of the turn at `cursor`, or when it is full or excluded, of the following turns: taken from the
    /// rotation (`takingTurns`, so that passed-over turns are used up and the other members keep their relative
    /// shares) or only looked at (explanations). After `probeLimit` turns, the next eligible member in order.
    private func choose(from cursor: UInt64, excluding: Exclusions, takingTurns: Bool) -> Int? {
        let order = self.sequence.order
        let length = UInt64(order.count)
        var turn = cursor
        for attempt in 0..<RoundRobinBalancer.probeLimit {
            if attempt > 0 { turn = takingTurns ? self.rotation.next() : turn &+ 1 }
            let candidate = Int(order[Int(turn % length)])
            if self.table.isEligible(candidate, excluding: excluding) { return candidate }
        }
        return self.table.firstEligible(from: Int(order[Int(cursor % length)]) + 1, excluding: excluding)
    }

    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation {
        guard self.table.count > 0 else { return PickExplanation(index: nil, reason: "round_robin: no backends") }
        let cursor = self.rotation.peek()
        guard let index = self.choose(from: cursor, excluding: excluding, takingTurns: false) else {
            return PickExplanation(index: nil, reason: "round_robin: every backend is full or excluded")
        }
        let position = Int(cursor % UInt64(self.sequence.order.count))
        return PickExplanation(
            index: index,
            reason: "round_robin: turn \(position + 1) of \(self.sequence.order.count) in the smooth weighted cycle"
                + " -> \(self.table.describe(index))"
        )
    }
}
