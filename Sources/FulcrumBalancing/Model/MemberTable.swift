import Synchronization

/// The members of one snapshot in canonical order, with the figures a pick reads laid out in flat arrays so that the
/// hot path touches neither the keys (strings) nor whole member structs.
///
/// Canonical order: by `key` (compared byte by byte in UTF-8, the same on every machine and locale), then by weight,
/// then by id. Hash tables are built over this order, so two instances with the same backends agree whatever the order
/// of their files; weight before id keeps even a key listed twice (with different weights) independent of the ids.
struct MemberTable: Sendable {
    /// Weights outside the configuration's range are clamped into it (a validated config never has them).
    static let weightRange = 1...10_000

    let members: [BalancerMember]
    let weights: [Int]
    /// `maxConnections`, or `Int.max` for none.
    let caps: [Int]
    let loads: [BackendLoad]
    /// `cumulativeWeights[i]` is the sum of the weights of members `0...i`: member `i` owns the weight offsets
    /// `cumulativeWeights[i] - weights[i] ..< cumulativeWeights[i]`.
    let cumulativeWeights: [Int]
    let totalWeight: Int

    /// Sorts `input` into canonical order. Members of weight 0 or less are dropped: they are not candidates.
    init(_ input: [BalancerMember]) {
        let candidates = input.filter { $0.weight > 0 }
        // Keys compared as byte arrays: String's generic UTF-8 view comparison costs ~10x more per comparison.
        let keys = candidates.map { Array($0.key.utf8) }
        let weights = candidates.map { $0.weight.clamped(to: MemberTable.weightRange) }
        let order = candidates.indices.sorted { lhs, rhs in
            let byKey = MemberTable.compare(keys[lhs], keys[rhs])
            if byKey != 0 { return byKey < 0 }
            if weights[lhs] != weights[rhs] { return weights[lhs] < weights[rhs] }
            return candidates[lhs].id < candidates[rhs].id
        }
        let members = order.map { candidates[$0] }
        self.members = members
        self.weights = order.map { weights[$0] }
        self.caps = members.map { $0.maxConnections ?? Int.max }
        self.loads = members.map(\.load)
        var running = 0
        self.cumulativeWeights = self.weights.map { weight in
            running += weight
            return running
        }
        self.totalWeight = running
    }

    /// Byte-wise order of two UTF-8 keys: negative, zero or positive.
    static func compare(_ lhs: [UInt8], _ rhs: [UInt8]) -> Int {
        lhs.withUnsafeBufferPointer { left in
            rhs.withUnsafeBufferPointer { right in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    return Int(left[index]) - Int(right[index])
                }
                return left.count - right.count
            }
        }
    }

    var count: Int { self.members.count }

    @inline(__always)
    func active(_ index: Int) -> Int {
        self.loads[index].active.load(ordering: .relaxed)
    }

    @inline(__always)
    func isEligible(_ index: Int, excluding: Exclusions) -> Bool {
        self.active(index) < self.caps[index] && !excluding.contains(index)
    }

    /// The member owning weight offset `offset` (`0..<totalWeight`): a binary search over the cumulative weights.
    @inline(__always)
    func member(atWeightOffset offset: Int) -> Int {
        var low = 0
        var high = self.cumulativeWeights.count - 1
        while low < high {
            let middle = (low + high) >> 1
            if self.cumulativeWeights[middle] > offset { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// A weighted random draw among the eligible members other than `other`, or `nil` when there is none.
    ///
    /// A few rejection rounds on the whole set first (cheap, and exact: rejecting ineligible draws yields the weighted
    /// distribution over the eligible ones), then one exact draw over the eligible members when the set is mostly full.
    /// `generator` supplies the values after the first.
    func weightedDraw(
        first random: UInt64,
        generator: inout SplitMix64,
        excluding: Exclusions,
        other: Int = -1
    ) -> Int? {
        guard self.totalWeight > 0 else { return nil }
        var value = random
        for _ in 0..<4 {
            let candidate = self.member(atWeightOffset: value.scaled(into: self.totalWeight))
            if candidate != other, self.isEligible(candidate, excluding: excluding) { return candidate }
            value = generator.next()
        }
        var eligibleWeight = 0
        for index in 0..<self.count where index != other && self.isEligible(index, excluding: excluding) {
            eligibleWeight += self.weights[index]
        }
        guard eligibleWeight > 0 else { return nil }
        var offset = value.scaled(into: eligibleWeight)
        var lastEligible: Int? = nil
        for index in 0..<self.count where index != other && self.isEligible(index, excluding: excluding) {
            if offset < self.weights[index] { return index }
            offset -= self.weights[index]
            lastEligible = index
        }
        // Other threads changed loads between the two scans; any eligible member is still a fair answer.
        return lastEligible
    }

    /// The first eligible member at or after `start` in canonical order, wrapping; `nil` when none is.
    func firstEligible(from start: Int, excluding: Exclusions) -> Int? {
        guard self.count > 0 else { return nil }
        var index = start % self.count
        for _ in 0..<self.count {
            if self.isEligible(index, excluding: excluding) { return index }
            index += 1
            if index == self.count { index = 0 }
        }
        return nil
    }

    /// "key (n active, weight w)" for explanations.
    func describe(_ index: Int) -> String {
        "\(self.members[index].key) (\(self.active(index)) active, weight \(self.weights[index]))"
    }
}

extension Int {
    func clamped(to range: ClosedRange<Int>) -> Int {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
