import FulcrumBalancing
import Synchronization
import Testing

@Suite struct FingerprintTests {
    /// Golden digests from the independent reference script (Benchmarks/Tools/balancing_reference.py): the same
    /// backends and weights give these exact values on every instance, in every process, on every machine.
    @Test func goldenValues() {
        let members = goldenMembers()
        #expect(Balancers.fingerprint(algorithm: .maglev(tableSize: 65537), hashKey: .sourceIP, members: members)
            == "764b8062dd2367b9")
        #expect(Balancers.fingerprint(algorithm: .maglev(tableSize: 65537), hashKey: .sourceIPPort, members: members)
            == "d95f15031e169269")
        #expect(Balancers.fingerprint(algorithm: .maglev(tableSize: 13), hashKey: .sourceIP, members: members)
            == "6634eb74ed0d9299")
        #expect(Balancers.fingerprint(algorithm: .sourceHash, hashKey: .sourceIP, members: members)
            == "d94cf0bfd5b262dc")
    }

    /// Not the order, not the ids, not the load (fullness is momentary): only keys, weights, size and hash_key.
    @Test(arguments: [BalanceAlgorithm.sourceHash, .maglev(tableSize: 65537)])
    func dependsOnlyOnKeysWeightsSizeAndHashKey(_ algorithm: BalanceAlgorithm) {
        let members = makeMembers([1, 2, 3, 4, 5], maxConnections: 3)
        let reference = makeBalancer(algorithm, members).tableFingerprint!
        var generator = SplitMix64(seed: 2)
        var renumbered = members.shuffled(using: &generator)
        for index in renumbered.indices { renumbered[index].id = BackendID(UInt32(100 + index)) }
        renumbered[0].load.active.store(3, ordering: .relaxed)
        #expect(makeBalancer(algorithm, renumbered).tableFingerprint == reference)

        var reweighted = members
        reweighted[2].weight = 7
        #expect(makeBalancer(algorithm, reweighted).tableFingerprint != reference)
        #expect(makeBalancer(algorithm, Array(members.dropLast())).tableFingerprint != reference)
        #expect(makeBalancer(algorithm, members, hashKey: .sourceIPPort).tableFingerprint != reference)
        var renamed = members
        renamed[4].key = "10.0.0.99:80"
        #expect(makeBalancer(algorithm, renamed).tableFingerprint != reference)
    }

    /// A key listed twice with different weights: canonical order puts weight before id, so ids still do not matter.
    @Test(arguments: [BalanceAlgorithm.sourceHash, .maglev(tableSize: 65537)])
    func duplicateKeysDoNotMakeIdsMatter(_ algorithm: BalanceAlgorithm) {
        func pool(_ firstID: UInt32, _ secondID: UInt32) -> [BalancerMember] {
            [
                BalancerMember(id: BackendID(firstID), key: "10.0.0.1:80", weight: 1, load: BackendLoad()),
                BalancerMember(id: BackendID(secondID), key: "10.0.0.1:80", weight: 5, load: BackendLoad()),
                BalancerMember(id: BackendID(7), key: "10.0.0.2:80", weight: 2, load: BackendLoad()),
            ]
        }
        let one = makeBalancer(algorithm, pool(1, 2))
        let other = makeBalancer(algorithm, pool(2, 1).reversed())
        #expect(one.tableFingerprint == other.tableFingerprint)
        #expect(one.members.map(\.weight) == [1, 5, 2])
        #expect(FlowMovement.fractionMoved(from: one, to: other) == 0)
    }

    @Test func tableSizeChangesIt() {
        let members = makeMembers([1, 1, 1])
        let small = Balancers.fingerprint(algorithm: .maglev(tableSize: 65521), hashKey: .sourceIP, members: members)
        let large = Balancers.fingerprint(algorithm: .maglev(tableSize: 65537), hashKey: .sourceIP, members: members)
        #expect(small != large)
        let sourceHash = Balancers.fingerprint(algorithm: .sourceHash, hashKey: .sourceIP, members: members)
        #expect(sourceHash != large)
    }

    @Test func formatIsSixteenLowercaseHexDigits() {
        for count in [0, 1, 7] {
            let fingerprint = makeBalancer(.maglev(tableSize: 7), makeMembers([Int](repeating: 1, count: count)))
                .tableFingerprint!
            #expect(fingerprint.count == 16)
            #expect(fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        }
    }

    @Test(arguments: [BalanceAlgorithm.roundRobin, .leastConnections, .powerOfTwo, .random])
    func noneForNonHashAlgorithms(_ algorithm: BalanceAlgorithm) {
        #expect(makeBalancer(algorithm, makeMembers([1, 2])).tableFingerprint == nil)
        #expect(Balancers.fingerprint(algorithm: algorithm, hashKey: .sourceIP, members: makeMembers([1])) == nil)
    }
}
