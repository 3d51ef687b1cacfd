import FulcrumDNS
import FulcrumNet
import Testing

@testable import FulcrumDiscovery

@Suite struct DNSDiscoveredSetTests {
    static func records(_ addresses: [IPAddress] = [.v4(1)], ttl: UInt32) -> DNSAnswer {
        .records(DNSResolvedRecords(addresses: addresses, ttl: ttl, canonicalName: try! DNSName("a.test")))
    }

    @Test func eachAddressAndPortIsOneBackendNamedByItsEndpointText() {
        var set = DNSDiscoveredSet()
        set.add(IPAddress("fd00::1")!, port: 80, weight: 1)
        set.add(.v4(0x0A00_0002), port: 80, weight: 1)
        set.add(.v4(0x0A00_0001), port: 81, weight: 1)
        set.add(.v4(0x0A00_0001), port: 80, weight: 1)
        #expect(set.backends.map(\.address) == ["10.0.0.1:80", "10.0.0.1:81", "10.0.0.2:80", "[fd00::1]:80"])
        #expect(set.backends[0].endpoint == IPEndpoint(address: .v4(0x0A00_0001), port: 80))
    }

    @Test func theSameBackendTwiceWeighsTheSumCapped() {
        var set = DNSDiscoveredSet()
        set.add(.v4(1), port: 80, weight: 5)
        set.add(.v4(1), port: 80, weight: 7)
        set.add(.v4(2), port: 80, weight: 9_000)
        set.add(.v4(2), port: 80, weight: 9_000)
        #expect(set.backends.map(\.weight) == [12, 10_000])
    }

    @Test func serviceWeightsMapToFulcrumWeights() {
        #expect(DNSDiscoveredSet.weight(ofServiceWeight: 0) == 1)
        #expect(DNSDiscoveredSet.weight(ofServiceWeight: 1) == 1)
        #expect(DNSDiscoveredSet.weight(ofServiceWeight: 30) == 30)
        #expect(DNSDiscoveredSet.weight(ofServiceWeight: 10_000) == 10_000)
        #expect(DNSDiscoveredSet.weight(ofServiceWeight: 65_535) == 10_000)
    }

    @Test func onlyTheLowestPriorityValueIsKept() throws {
        let services = try [(2, "c"), (1, "a"), (3, "d"), (1, "b")].map { priority, target in
            DNSService(priority: UInt16(priority), weight: 1, port: 80, target: try DNSName("\(target).test"))
        }
        #expect(DNSDiscoveredSet.preferred(services).map(\.target.description) == ["a.test", "b.test"])
        #expect(DNSDiscoveredSet.preferred([]).isEmpty)
    }

    @Test func withBackendsTheTTLIsTheLeastOfTheAnswersWithRecords() {
        var set = DNSDiscoveredSet()
        set.add(.v4(1), port: 80, weight: 1)
        set.note(Self.records(ttl: 60))
        set.note(Self.records(ttl: 30))
        // An IPv4-only name's AAAA: its negative TTL does not shorten the round.
        set.note(.noData(negativeTTL: 5))
        #expect(set.ttl == 30)
    }

    @Test func withoutBackendsTheTTLIsTheLeastOfEveryAnswer() {
        var negative = DNSDiscoveredSet()
        negative.note(.nxdomain(negativeTTL: 20))
        negative.note(.noData(negativeTTL: 40))
        #expect(negative.ttl == 20)

        // SRV records whose targets have no address.
        var service = DNSDiscoveredSet()
        service.note(Self.records([], ttl: 15))
        service.note(.nxdomain(negativeTTL: 300))
        #expect(service.ttl == 15)

        // Negative answers without an SOA say nothing.
        var unknown = DNSDiscoveredSet()
        unknown.note(.nxdomain(negativeTTL: nil))
        unknown.note(.noData(negativeTTL: nil))
        #expect(unknown.ttl == nil)
        #expect(unknown.backends.isEmpty)
    }
}
