/// One whole cycle of nginx's smooth weighted round robin (`ngx_http_upstream_get_peer`, nginx 1.3.1+), computed once
/// per snapshot so that a pick is one atomic increment and one array read.
///
/// nginx's rule: every step, each member's `current` grows by its weight, the member with the largest `current` (the
/// first one in member order on ties) is chosen and its `current` drops by the total weight. The result spreads each
/// member's turns evenly over the cycle: weights (5, 1, 1) give `a a b a c a a`, never `a a a a a b c`.
///
/// Length: the cycle of weights `w` is `sum(w) / gcd(w)` steps. Above `maximumLength` (65,536 steps, 256 KiB) the
/// weights are first apportioned onto `maximumLength` steps by the largest-remainder method, every member keeping at
/// least one turn (so a cycle is at most `maximumLength + count` steps). Each member's share is then exact to within
/// one turn in 65,536: e.g. 1,000 backends of unrelated weights 1...10,000 keep their shares to about 1.5 % of each
/// share. Typical pools (small weights, or equal ones) are exact.
///
/// Cost: the simulation groups members by weight — members of one weight always take their turns in member order —
/// so a step costs one comparison per distinct weight, not per member: a few milliseconds at the worst (1,000 members
/// of 1,000 different weights), microseconds for equal weights.
struct SmoothWeightedSequence: Sendable {
    static let maximumLength = 1 << 16

    /// Member indices, one cycle.
    let order: [UInt32]

    init(weights: [Int]) {
        guard !weights.isEmpty else {
            self.order = []
            return
        }
        let reduced = SmoothWeightedSequence.reduced(weights)
        let total = reduced.reduce(0, +)
        let effective =
            total <= SmoothWeightedSequence.maximumLength
            ? reduced
            : SmoothWeightedSequence.reduced(
                SmoothWeightedSequence.apportioned(reduced, onto: SmoothWeightedSequence.maximumLength)
            )
        self.order = SmoothWeightedSequence.simulate(effective)
    }

    /// Weights divided by their greatest common divisor (the cycle of (2, 2, 2) is the cycle of (1, 1, 1)).
    static func reduced(_ weights: [Int]) -> [Int] {
        var divisor = 0
        for weight in weights { divisor = greatestCommonDivisor(divisor, weight) }
        return divisor > 1 ? weights.map { $0 / divisor } : weights
    }

    /// `weights` scaled to sum to about `length`: floors of the exact quotas, at least 1 each, then the remaining
    /// steps to the largest remainders (lower index first on equal remainders, so the result is deterministic).
    static func apportioned(_ weights: [Int], onto length: Int) -> [Int] {
        let total = weights.reduce(0, +)
        var shares = weights.map { max(1, $0 * length / total) }
        var remaining = length - shares.reduce(0, +)
        if remaining > 0 {
            let byRemainder = weights.indices.sorted { lhs, rhs in
                let left = weights[lhs] * length % total
                let right = weights[rhs] * length % total
                return left != right ? left > right : lhs < rhs
            }
            for index in byRemainder where remaining > 0 {
                shares[index] += 1
                remaining -= 1
            }
        }
        return shares
    }

    /// nginx's loop, run on groups of equal weight. Within a group of weight `w` that has taken `taken` turns, the
    /// member due next is `members[taken % n]` and its `current` at step `t` is `t * w - total * (taken / n)`; across
    /// groups the largest `current` wins and, on ties, the lowest member index, as nginx's first-maximum rule does.
    static func simulate(_ weights: [Int]) -> [UInt32] {
        let total = weights.reduce(0, +)
        var groupWeights: [Int] = []
        var groupMembers: [[Int]] = []
        for (index, weight) in weights.enumerated() {
            if let group = groupWeights.firstIndex(of: weight) {
                groupMembers[group].append(index)
            } else {
                groupWeights.append(weight)
                groupMembers.append([index])
            }
        }
        var taken = [Int](repeating: 0, count: groupWeights.count)
        var order: [UInt32] = []
        order.reserveCapacity(total)
        for step in 1...total {
            var bestGroup = 0
            var bestCurrent = Int.min
            var bestMember = Int.max
            for group in groupWeights.indices {
                let size = groupMembers[group].count
                let current = step * groupWeights[group] - total * (taken[group] / size)
                let member = groupMembers[group][taken[group] % size]
                if current > bestCurrent || (current == bestCurrent && member < bestMember) {
                    bestGroup = group
                    bestCurrent = current
                    bestMember = member
                }
            }
            taken[bestGroup] += 1
            order.append(UInt32(bestMember))
        }
        return order
    }
}

func greatestCommonDivisor(_ lhs: Int, _ rhs: Int) -> Int {
    var (a, b) = (lhs, rhs)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
