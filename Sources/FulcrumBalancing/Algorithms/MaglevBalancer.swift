/// `maglev`: Maglev consistent hashing (Eisenbud et al., NSDI 2016; the table is built by `MaglevTable`). A client's
/// hash (`ClientHash`) selects slot `hash % size` of the table, and the slot's member is the answer.
///
/// Invariants: every instance with the same eligible backends, weights, table size and `hash_key` sends a client to
/// the same backend; removing one of n backends moves about 1/n of the flows. A client whose member is full or
/// excluded goes to the member of the next slot that holds an eligible one (the slots after a slot belong to members
/// spread in proportion to their weights, so the overflow is spread the same way), and after `probeLimit` slots to the
/// next eligible member in canonical order: deterministic, so the client gets the same alternative every time.
public final class MaglevBalancer: HashingLoadBalancer, IntrospectableBalancer {
    static let probeLimit = 256

    let table: MemberTable
    /// The lookup table over the members in canonical order.
    public let lookup: MaglevTable
    public let hashKey: HashKey
    public let fingerprint: String

    public var members: [BalancerMember] { self.table.members }
    var kind: BalanceAlgorithm { .maglev(tableSize: self.lookup.size) }

    init(table: MemberTable, hashKey: HashKey, tableSize: Int) {
        self.table = table
        self.hashKey = hashKey
        self.lookup = MaglevTable(keys: table.members.map(\.key), weights: table.weights, size: tableSize)
        self.fingerprint = TableFingerprint.maglev(table: table, lookup: self.lookup, hashKey: hashKey)
    }

    public func owner(ofHash hash: UInt64) -> Int? {
        self.lookup[Int(hash % UInt64(self.lookup.size))]
    }

    public func pick(_ context: PickContext, excluding: Exclusions) -> Int? {
        self.choose(ClientHash.hash(context.client, key: self.hashKey), excluding: excluding)?.index
    }

    private func choose(_ hash: UInt64, excluding: Exclusions) -> (index: Int, slot: Int?)? {
        let entries = self.lookup.entries
        guard !entries.isEmpty else { return nil }
        let size = entries.count
        var slot = Int(hash % UInt64(size))
        let owner = Int(entries[slot])
        for _ in 0..<min(size, MaglevBalancer.probeLimit) {
            let candidate = Int(entries[slot])
            if self.table.isEligible(candidate, excluding: excluding) { return (candidate, slot) }
            slot += 1
            if slot == size { slot = 0 }
        }
        guard let next = self.table.firstEligible(from: owner + 1, excluding: excluding) else { return nil }
        return (next, nil)
    }

    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation {
        let hash = ClientHash.hash(context.client, key: self.hashKey)
        let client = ClientHash.describe(context.client, key: self.hashKey)
        guard let owner = self.owner(ofHash: hash) else {
            return PickExplanation(index: nil, reason: "maglev: no backends")
        }
        let slot = Int(hash % UInt64(self.lookup.size))
        let head =
            "maglev: hash of \(client) -> slot \(slot) of \(self.lookup.size) -> \(self.table.members[owner].key)"
        guard let (index, chosenSlot) = self.choose(hash, excluding: excluding) else {
            return PickExplanation(index: nil, reason: head + ", but every backend is full or excluded")
        }
        if index == owner && chosenSlot == slot { return PickExplanation(index: index, reason: head) }
        let fallback = chosenSlot.map { "slot \($0)" } ?? "next backend in order"
        return PickExplanation(
            index: index,
            reason: head + " (full or excluded); fallback to \(fallback) -> \(self.table.members[index].key)"
        )
    }
}
