import FulcrumBalancing
import FulcrumNet
import Synchronization
import Testing

@Suite struct MaglevBalancerTests {
    @Test func weightsOneTwoThreeOverManyClients() {
        let members = makeMembers([1, 2, 3])
        let counts = pickCounts(makeBalancer(.maglev(tableSize: 65537), members), picks: 300_000)
        #expect(sharesMatchWeights(counts, members, tolerance: 0.03))
    }

    /// The order members arrive in changes nothing: not the members' canonical order, not the table, not a pick.
    @Test func inputOrderDoesNotMatter() {
        let members = makeMembers([3, 1, 4, 1, 5, 9, 2, 6])
        let reference = makeBalancer(.maglev(tableSize: 65537), members) as! MaglevBalancer
        var generator = SplitMix64(seed: 1)
        for _ in 0..<5 {
            let shuffled = members.shuffled(using: &generator)
            let balancer = makeBalancer(.maglev(tableSize: 65537), shuffled) as! MaglevBalancer
            #expect(balancer.members.map(\.key) == reference.members.map(\.key))
            #expect((0..<65537).allSatisfy { balancer.lookup[$0] == reference.lookup[$0] })
            #expect(balancer.fingerprint == reference.fingerprint)
            for number in 0..<100 {
                let context = PickContext(client: client(number))
                let expected = reference.pick(context, excluding: Exclusions())
                #expect(balancer.pick(context, excluding: Exclusions()) == expected)
            }
        }
    }

    /// Golden picks from the independent reference script: every instance, in any process, on any machine, sends
    /// these clients to these backends.
    @Test func matchesTheReferenceImplementation() {
        let byAddress = makeBalancer(.maglev(tableSize: 65537), goldenMembers(), hashKey: .sourceIP)
        #expect(pickedKey(byAddress, "192.0.2.1:1000") == "[::1]:9002")
        #expect(pickedKey(byAddress, "[::ffff:192.0.2.1]:2000") == "[::1]:9002")
        #expect(pickedKey(byAddress, "192.0.2.2:1000") == "10.0.0.2:80")
        #expect(pickedKey(byAddress, "[2001:db8::7]:443") == "10.0.0.3:80")
        let byPort = makeBalancer(.maglev(tableSize: 65537), goldenMembers(), hashKey: .sourceIPPort)
        #expect(pickedKey(byPort, "192.0.2.1:1000") == "10.0.0.3:80")
        #expect(pickedKey(byPort, "[2001:db8::7]:443") == "[::1]:9002")
        #expect(pickedKey(byPort, "198.51.100.200:65535") == "10.0.0.1:80")
    }

    /// A client whose member is full goes to the member of the next eligible slot, the same one every time, and
    /// clients of other members stay where they were.
    @Test func fallbackIsDeterministic() {
        let members = makeMembers([1, 1, 1, 1, 1, 1], maxConnections: 1)
        let balancer = makeBalancer(.maglev(tableSize: 65537), members) as! MaglevBalancer
        let owners = (0..<500).map { balancer.pick(PickContext(client: client($0)), excluding: Exclusions())! }
        let full = owners[0]
        balancer.members[full].load.active.store(1, ordering: .relaxed)
        var alternatives = Set<Int>()
        for number in 0..<500 {
            let context = PickContext(client: client(number))
            let picked = balancer.pick(context, excluding: Exclusions())!
            if owners[number] == full {
                #expect(picked != full)
                let again = PickContext(client: client(number), random: 77)
                #expect(balancer.pick(again, excluding: Exclusions()) == picked)
                // The alternative is the owner of the first following slot that does not belong to the full member.
                var slot = Int(ClientHash.hash(client(number), key: .sourceIP) % 65537)
                while balancer.lookup[slot] == full { slot = (slot + 1) % 65537 }
                #expect(picked == balancer.lookup[slot])
                alternatives.insert(picked)
            } else {
                #expect(picked == owners[number])
            }
        }
        #expect(alternatives.count >= 3)
    }

    /// Exclusions (retries) move the client on in the same deterministic way.
    @Test func excludedOwnerFallsBack() {
        let balancer = makeBalancer(.maglev(tableSize: 65537), makeMembers([1, 1, 1]))
        let context = PickContext(client: client(12))
        let owner = balancer.pick(context, excluding: Exclusions())!
        let second = balancer.pick(context, excluding: exclusions([owner]))!
        let third = balancer.pick(context, excluding: exclusions([owner, second]))!
        #expect(Set([owner, second, third]).count == 3)
        #expect(balancer.pick(context, excluding: exclusions([owner, second, third])) == nil)
    }

    @Test func invalidTableSizeIsReplacedByAValidOne() {
        let balancer = makeBalancer(.maglev(tableSize: 65536), makeMembers([1, 1])) as! MaglevBalancer
        #expect(balancer.lookup.size == 65537)
        #expect(balancer.algorithm == .maglev(tableSize: 65537))
    }
}
