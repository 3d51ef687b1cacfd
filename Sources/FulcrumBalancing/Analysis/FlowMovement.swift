/// The share of client flows that a table change sends to another backend, computed from the real tables
/// (`fulcrum diff`, the reload dry run's `flows_moved`: "9.8% of flows move").
///
/// A flow's backend is compared by member `key` (indices differ between snapshots), before fullness or exclusions;
/// "no backend" (an empty table) counts as a backend of its own. The share is taken over the whole 64-bit hash space,
/// i.e. over all possible clients, not over a sample:
/// - maglev → maglev, same size: the fraction of slots whose owner changes (slot = hash mod size, so every slot
///   stands for an equal share of the space, up to size / 2^64).
/// - maglev → maglev, different sizes: both sizes are prime, so by the Chinese remainder theorem a hash's two slots
///   are independent and uniform; the share is `1 - Σ_k p_old(k) p_new(k)` over keys k, where p is a key's share
///   of slots: every pair of slots (a "common grid" of size1 × size2 cells) is counted, in O(size1 + size2).
/// - source_hash → source_hash: each table maps the space onto intervals (multiply-shift onto the weighted set), so
///   both are step functions of the hash; their breakpoints are merged and the lengths where the keys differ summed.
///   Exact, whatever the two total weights.
/// - between maglev and source_hash, or between different `hash_key`s: the two lookups see (practically)
///   independent positions, so the share is again `1 - Σ_k p_old(k) p_new(k)`.
public enum FlowMovement {
    /// The fraction (0...1) of the hash space whose backend changes from `old` to `new`; `nil` when either balancer
    /// is not a hash balancer built by `Balancers.make`.
    public static func fractionMoved(from old: any LoadBalancer, to new: any LoadBalancer) -> Double? {
        guard let oldSpace = HashSpace(old), let newSpace = HashSpace(new) else { return nil }
        var keys = KeyNumbering()
        let oldKeys = old.members.map { keys.number($0.key) }
        let newKeys = new.members.map { keys.number($0.key) }
        if oldSpace.isEmpty || newSpace.isEmpty { return oldSpace.isEmpty && newSpace.isEmpty ? 0 : 1 }
        switch (oldSpace, newSpace) {
        case (.slots(let before, let beforeKey), .slots(let after, let afterKey))
        where before.size == after.size && beforeKey == afterKey:
            var moved = 0
            for slot in 0..<before.size where oldKeys[Int(before.entries[slot])] != newKeys[Int(after.entries[slot])] {
                moved += 1
            }
            return Double(moved) / Double(before.size)
        case (.intervals(let beforeTable, let beforeKey), .intervals(let afterTable, let afterKey))
        where beforeKey == afterKey:
            return FlowMovement.intervalsMoved(beforeTable, oldKeys, afterTable, newKeys)
        case (.slots, _), (.intervals, _):
            return FlowMovement.independentMoved(
                oldSpace.shares(oldKeys, keys.count),
                newSpace.shares(newKeys, keys.count)
            )
        }
    }

    /// `1 - Σ_k p(k) q(k)`: the chance that two independent lookups give different keys.
    private static func independentMoved(_ before: [Double], _ after: [Double]) -> Double {
        var same = 0.0
        for key in before.indices { same += before[key] * after[key] }
        return max(0, min(1, 1 - same))
    }

    /// Merges the breakpoints of two interval tables over the hash space [0, 2^64).
    private static func intervalsMoved(
        _ before: MemberTable,
        _ beforeKeys: [Int],
        _ after: MemberTable,
        _ afterKeys: [Int]
    ) -> Double {
        var moved: UInt128 = 0
        var start: UInt128 = 0
        var left = 0
        var right = 0
        while left < before.count && right < after.count {
            let leftEnd = FlowMovement.boundary(before.cumulativeWeights[left], of: before.totalWeight)
            let rightEnd = FlowMovement.boundary(after.cumulativeWeights[right], of: after.totalWeight)
            let end = min(leftEnd, rightEnd)
            if beforeKeys[left] != afterKeys[right] { moved += end - start }
            start = end
            if leftEnd == end { left += 1 }
            if rightEnd == end { right += 1 }
        }
        return Double(moved) / Double(UInt128(1) << 64)
    }

    /// The first hash whose multiply-shift offset into `0..<total` is at least `offset`: `ceil(offset * 2^64 / total)`
    /// (2^64, the end of the space, for `offset == total`).
    private static func boundary(_ offset: Int, of total: Int) -> UInt128 {
        ((UInt128(offset) << 64) + UInt128(total) - 1) / UInt128(total)
    }
}

/// What a hash balancer's table looks like to `FlowMovement`.
private enum HashSpace {
    case slots(MaglevTable, HashKey)
    case intervals(MemberTable, HashKey)

    init?(_ balancer: any LoadBalancer) {
        if let maglev = balancer as? MaglevBalancer {
            self = .slots(maglev.lookup, maglev.hashKey)
        } else if let sourceHash = balancer as? SourceHashBalancer {
            self = .intervals(sourceHash.table, sourceHash.hashKey)
        } else {
            return nil
        }
    }

    var isEmpty: Bool {
        switch self {
        case .slots(let table, _): return table.entries.isEmpty
        case .intervals(let table, _): return table.count == 0
        }
    }

    /// Each key number's share of the hash space.
    func shares(_ memberKeys: [Int], _ keyCount: Int) -> [Double] {
        var shares = [Double](repeating: 0, count: keyCount)
        switch self {
        case .slots(let table, _):
            for entry in table.entries { shares[memberKeys[Int(entry)]] += 1 / Double(table.size) }
        case .intervals(let table, _):
            for member in 0..<table.count {
                shares[memberKeys[member]] += Double(table.weights[member]) / Double(table.totalWeight)
            }
        }
        return shares
    }
}

/// Small integers for member keys, shared by both sides of a comparison.
private struct KeyNumbering {
    private var numbers: [String: Int] = [:]

    var count: Int { self.numbers.count }

    mutating func number(_ key: String) -> Int {
        if let existing = self.numbers[key] { return existing }
        let next = self.numbers.count
        self.numbers[key] = next
        return next
    }
}
