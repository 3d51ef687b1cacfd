/// `source_hash`: the client's hash (`ClientHash`) mapped onto the weighted set of members.
///
/// The weighted set is the interval `0..<totalWeight`, member `i` owning `weights[i]` consecutive offsets in canonical
/// order; the 64-bit hash is reduced into it by multiply-shift (`(hash * totalWeight) >> 64`), which is as uniform as
/// `hash % totalWeight` and keeps the hash space a sequence of intervals, so `FlowMovement` can compare two tables
/// exactly. Like any modulo hash it is not consistent: a membership change moves many flows (use `maglev` for that).
///
/// Invariants: a client goes to the same member on every instance with the same backends and weights; a client whose
/// member is full or excluded is sent to the same alternative every time: its hash is re-mixed with an attempt
/// counter (SplitMix64) a few times, and then the next eligible member in canonical order is taken.
public final class SourceHashBalancer: HashingLoadBalancer, IntrospectableBalancer {
    static let rehashAttempts = 8

    let table: MemberTable
    public let hashKey: HashKey
    public let fingerprint: String

    public var members: [BalancerMember] { self.table.members }
    var kind: BalanceAlgorithm { .sourceHash }

    init(table: MemberTable, hashKey: HashKey) {
        self.table = table
        self.hashKey = hashKey
        self.fingerprint = TableFingerprint.sourceHash(table: table, hashKey: hashKey)
    }

    public func owner(ofHash hash: UInt64) -> Int? {
        guard self.table.totalWeight > 0 else { return nil }
        return self.table.member(atWeightOffset: hash.scaled(into: self.table.totalWeight))
    }

    public func pick(_ context: PickContext, excluding: Exclusions) -> Int? {
        self.choose(ClientHash.hash(context.client, key: self.hashKey), excluding: excluding)?.index
    }

    private func choose(_ hash: UInt64, excluding: Exclusions) -> (index: Int, attempt: Int)? {
        guard let owner = self.owner(ofHash: hash) else { return nil }
        if self.table.isEligible(owner, excluding: excluding) { return (owner, 0) }
        var rehashed = hash
        for attempt in 1...SourceHashBalancer.rehashAttempts {
            rehashed = SplitMix64.mix(rehashed &+ UInt64(attempt))
            let candidate = self.table.member(atWeightOffset: rehashed.scaled(into: self.table.totalWeight))
            if self.table.isEligible(candidate, excluding: excluding) { return (candidate, attempt) }
        }
        guard let next = self.table.firstEligible(from: owner + 1, excluding: excluding) else { return nil }
        return (next, SourceHashBalancer.rehashAttempts + 1)
    }

    func explainPick(_ context: PickContext, excluding: Exclusions) -> PickExplanation {
        let hash = ClientHash.hash(context.client, key: self.hashKey)
        let client = ClientHash.describe(context.client, key: self.hashKey)
        guard let owner = self.owner(ofHash: hash) else {
            return PickExplanation(index: nil, reason: "source_hash: no backends")
        }
        let offset = hash.scaled(into: self.table.totalWeight)
        let head = "source_hash: hash of \(client) -> weight offset \(offset) of \(self.table.totalWeight)"
            + " -> \(self.table.members[owner].key)"
        guard let (index, attempt) = self.choose(hash, excluding: excluding) else {
            return PickExplanation(index: nil, reason: head + ", but every backend is full or excluded")
        }
        if attempt == 0 { return PickExplanation(index: index, reason: head) }
        return PickExplanation(
            index: index,
            reason: head + " (full or excluded); deterministic fallback -> \(self.table.members[index].key)"
        )
    }
}
