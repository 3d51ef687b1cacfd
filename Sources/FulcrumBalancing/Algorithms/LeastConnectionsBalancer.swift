import Synchronization

/// `least_connections`: the eligible member with the fewest active connections per unit of weight (`active / weight`,
/// compared as `a1 * w2 < a2 * w1`, exact in integers), ties broken round robin.
///
/// The scan starts at the member the service's smooth weighted rotation points to and keeps the first strict minimum,
/// so among tied members the rotation decides: when all are idle (the common case with short connections) picks
/// follow the weighted round robin cycle instead of piling onto the first member. O(members) per pick, reading one
/// relaxed atomic per member; no allocation.
public final class LeastConnectionsBalancer: LoadBalancer, IntrospectableBalancer {
    let table: MemberTable
    let sequence: SmoothWeightedSequence
    let rotation: RoundRobinRotation

    public var members: [BalancerMember] { self.table.members }
    var kind: BalanceAlgorithm { .leastConnections }

    init(table: MemberTable, rotation: RoundRobinRotation) {
        self.table = table
        self.sequence = SmoothWeightedSequence(weights: table.weights)
        self.rotation = rotation
    }

    public func pick(_ context: PickContext, excluding: Exclusions) -> Int? {
        guard self.table.count > 0 else { return nil }
        return self.choose(at: self.rotation.next(), excluding: excluding)
    }

    private func choose(at cursor: UInt64, excluding: Exclusions) -> Int? {
        let order = self.sequence.order
        let start = Int(order[Int(cursor % UInt64(order.count))])
        var best = -1
        var bestActive = 0
        var bestWeight = 1
        // Raw buffers: no bounds checks in the one O(members) loop of the hot path.
        self.table.loads.withUnsafeBufferPointer { loads in
            self.table.caps.withUnsafeBufferPointer { caps in
                self.table.weights.withUnsafeBufferPointer { weights in
                    // From `start` to the end, then from 0 to `start`: the first strict minimum in rotation order.
                    for pass in 0..<2 {
                        for index in pass == 0 ? start..<loads.count : 0..<start {
                            let active = loads[index].active.load(ordering: .relaxed)
                            guard active < caps[index], !excluding.contains(index) else { continue }
                            let weight = weights[index]
                            if best < 0 || active &* bestWeight < bestActive &* weight {
                                best = index
                                bestActive = active
                                bestWeight = weight
                            }
                        }
                    }
                }
            }
        }
        return best < 0 ? nil : best
    }

    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation {
        guard self.table.count > 0 else { return PickExplanation(index: nil, reason: "least_connections: no backends") }
        guard let index = self.choose(at: self.rotation.peek(), excluding: excluding) else {
            return PickExplanation(index: nil, reason: "least_connections: every backend is full or excluded")
        }
        return PickExplanation(
            index: index,
            reason: "least_connections: fewest active connections per weight -> \(self.table.describe(index))"
        )
    }
}
