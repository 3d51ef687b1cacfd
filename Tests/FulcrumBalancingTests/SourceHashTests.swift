import FulcrumBalancing
import FulcrumNet
import Synchronization
import Testing

@Suite struct SourceHashTests {
    @Test func weightsOneTwoThreeOverManyClients() {
        let members = makeMembers([1, 2, 3])
        let counts = pickCounts(makeBalancer(.sourceHash, members), picks: 300_000)
        #expect(sharesMatchWeights(counts, members, tolerance: 0.03))
    }

    /// A client always gets the same member, whatever the random value of the pick.
    @Test func clientsStick() {
        let balancer = makeBalancer(.sourceHash, makeMembers([1, 1, 1, 1, 1]))
        var generator = SplitMix64(seed: 5)
        for number in 0..<200 {
            let first = balancer.pick(PickContext(client: client(number), random: 1), excluding: Exclusions())
            for _ in 0..<5 {
                let again = PickContext(client: client(number), random: generator.next())
                #expect(balancer.pick(again, excluding: Exclusions()) == first)
            }
        }
    }

    /// `source_ip` ignores the port; `source_ip_port` spreads the ports of one address over the members.
    @Test func hashKeyDecidesWhetherThePortCounts() {
        let members = makeMembers([1, 1, 1, 1])
        let byAddress = makeBalancer(.sourceHash, members, hashKey: .sourceIP)
        let byAddressAndPort = makeBalancer(.sourceHash, members, hashKey: .sourceIPPort)
        let address = IPAddress("192.0.2.10")!
        var addressPicks = Set<Int>()
        var portPicks = Set<Int>()
        for port in 1000..<1400 as Range<UInt16> {
            let context = PickContext(client: IPEndpoint(address: address, port: port))
            addressPicks.insert(byAddress.pick(context, excluding: Exclusions())!)
            portPicks.insert(byAddressAndPort.pick(context, excluding: Exclusions())!)
        }
        #expect(addressPicks.count == 1)
        #expect(portPicks.count == 4)
    }

    /// A dual-stack listener sees IPv4 clients as `::ffff:a.b.c.d`: they hash as the IPv4 address.
    @Test func ipv4MappedClientsHashAsIPv4() {
        for hashKey in [HashKey.sourceIP, .sourceIPPort] {
            let plain = IPEndpoint(address: IPAddress("192.0.2.1")!, port: 2000)
            let mapped = IPEndpoint(address: IPAddress("::ffff:192.0.2.1")!, port: 2000)
            #expect(ClientHash.hash(plain, key: hashKey) == ClientHash.hash(mapped, key: hashKey))
            let other = IPEndpoint(address: IPAddress("2001:db8::1")!, port: 2000)
            #expect(ClientHash.hash(plain, key: hashKey) != ClientHash.hash(other, key: hashKey))
        }
    }

    /// Golden values from the independent reference (Benchmarks/Tools/balancing_reference.py, reference xxHash): the
    /// client hash and the member it maps to, for IPv4, IPv4-mapped and IPv6 clients.
    @Test func matchesTheReferenceImplementation() {
        #expect(ClientHash.hash(IPEndpoint("192.0.2.1:1000"), key: .sourceIP) == 0x9c31_63f4_8c1e_d6ff)
        #expect(ClientHash.hash(IPEndpoint("192.0.2.1:1000"), key: .sourceIPPort) == 0xe288_3df5_6fd8_c05d)
        #expect(ClientHash.hash(IPEndpoint("[::ffff:192.0.2.1]:2000"), key: .sourceIPPort) == 0x65aa_1d13_b8f6_1aeb)
        #expect(ClientHash.hash(IPEndpoint("[2001:db8::7]:443"), key: .sourceIP) == 0x77b2_0ee2_2996_58c6)
        #expect(ClientHash.hash(IPEndpoint("[2001:db8::7]:443"), key: .sourceIPPort) == 0x669a_9ce1_9611_348e)
        let balancer = makeBalancer(.sourceHash, goldenMembers())
        #expect(pickedKey(balancer, "192.0.2.1:1000") == "10.0.0.3:80")
        #expect(pickedKey(balancer, "[2001:db8::7]:443") == "10.0.0.3:80")
        #expect(pickedKey(balancer, "198.51.100.200:65535") == "10.0.0.1:80")
    }

    /// Without a client the pick still succeeds, always on the same member.
    @Test func noClientStillPicks() {
        let balancer = makeBalancer(.sourceHash, makeMembers([1, 2, 3]))
        let first = balancer.pick(PickContext(random: 1), excluding: Exclusions())
        #expect(first != nil)
        #expect(balancer.pick(PickContext(random: 2), excluding: Exclusions()) == first)
    }

    /// A client whose member is full goes to one alternative, the same every time; other clients keep theirs.
    @Test func fallbackIsDeterministic() {
        let members = makeMembers([1, 1, 1, 1, 1], maxConnections: 1)
        let balancer = makeBalancer(.sourceHash, members)
        let owners = (0..<300).map { balancer.pick(PickContext(client: client($0)), excluding: Exclusions())! }
        balancer.members[owners[0]].load.active.store(1, ordering: .relaxed)
        var alternatives = Set<Int>()
        for number in 0..<300 {
            let picked = balancer.pick(PickContext(client: client(number)), excluding: Exclusions())!
            if owners[number] == owners[0] {
                #expect(picked != owners[0])
                let again = balancer.pick(PickContext(client: client(number), random: 9), excluding: Exclusions())
                #expect(again == picked)
                alternatives.insert(picked)
            } else {
                #expect(picked == owners[number])
            }
        }
        #expect(alternatives.count > 1, "the displaced clients spread over the others")
    }
}

/// The golden pool of the reference script, given out of canonical order and with ids unrelated to it.
func goldenMembers() -> [BalancerMember] {
    [
        BalancerMember(id: BackendID(3), key: "10.0.0.3:80", weight: 3, load: BackendLoad()),
        BalancerMember(id: BackendID(1), key: "10.0.0.1:80", weight: 1, load: BackendLoad()),
        BalancerMember(id: BackendID(4), key: "[::1]:9002", weight: 2, load: BackendLoad()),
        BalancerMember(id: BackendID(2), key: "10.0.0.2:80", weight: 2, load: BackendLoad()),
    ]
}

func pickedKey(_ balancer: any LoadBalancer, _ client: String) -> String? {
    balancer.pick(PickContext(client: IPEndpoint(client)), excluding: Exclusions()).map { balancer.members[$0].key }
}
