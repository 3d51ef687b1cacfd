/// Builds balancers: the one entry point of the control plane.
public enum Balancers {
    /// The immutable balancer of one snapshot of a service.
    ///
    /// - Parameters:
    ///   - members: the eligible backends (up or unchecked, enabled, weight > 0), in any order. The balancer puts them
    ///     in canonical order (by `key`, weight, then id), which its `members` returns and its picks index; members of
    ///     weight 0 or less are left out.
    ///   - rotation: the service's rotation, kept by the caller across snapshots (used by `round_robin` and by
    ///     `least_connections` for ties; ignored by the others).
    ///
    /// Tables (the smooth round robin cycle, the Maglev table, the fingerprint) are built here, off the hot path.
    /// A Maglev table size that is not a valid one (`MaglevTable.isValidSize`; configuration validation rejects those)
    /// is replaced by the next valid size, so that a bad value cannot crash the control plane.
    public static func make(
        algorithm: BalanceAlgorithm,
        hashKey: HashKey,
        members: [BalancerMember],
        rotation: RoundRobinRotation
    ) -> any LoadBalancer {
        let table = MemberTable(members)
        switch algorithm {
        case .roundRobin:
            return RoundRobinBalancer(table: table, rotation: rotation)
        case .leastConnections:
            return LeastConnectionsBalancer(table: table, rotation: rotation)
        case .powerOfTwo:
            return PowerOfTwoBalancer(table: table)
        case .random:
            return RandomBalancer(table: table)
        case .sourceHash:
            return SourceHashBalancer(table: table, hashKey: hashKey)
        case .maglev(let tableSize):
            return MaglevBalancer(table: table, hashKey: hashKey, tableSize: Balancers.validMaglevSize(tableSize))
        }
    }

    /// The `table_fingerprint` that a balancer built from these inputs shows, `nil` for the non-hash algorithms.
    public static func fingerprint(
        algorithm: BalanceAlgorithm,
        hashKey: HashKey,
        members: [BalancerMember]
    ) -> String? {
        guard algorithm.isHashing else { return nil }
        return Balancers.make(algorithm: algorithm, hashKey: hashKey, members: members, rotation: RoundRobinRotation())
            .tableFingerprint
    }

    /// `size` if valid, else the smallest valid size above it (or the bounds of `MaglevTable.sizeRange`).
    static func validMaglevSize(_ size: Int) -> Int {
        if MaglevTable.isValidSize(size) { return size }
        var candidate = size.clamped(to: MaglevTable.sizeRange)
        while !isPrime(candidate) { candidate += 1 }
        return candidate.clamped(to: MaglevTable.sizeRange) == candidate ? candidate : MaglevTable.sizeRange.lowerBound
    }
}
