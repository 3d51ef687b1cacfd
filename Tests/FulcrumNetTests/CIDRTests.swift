import FulcrumNet
import Testing

@Suite("CIDR")
struct CIDRTests {
    @Test(
        "Valid prefixes parse with their length",
        arguments: [
            ("10.0.0.0/8", "10.0.0.0", 8),
            ("0.0.0.0/0", "0.0.0.0", 0),
            ("1.2.3.4/32", "1.2.3.4", 32),
            ("1.2.3.4", "1.2.3.4", 32),
            ("::/0", "::", 0),
            ("::1/128", "::1", 128),
            ("::1", "::1", 128),
            ("2001:db8::/32", "2001:db8::", 32),
            ("2001:db8:8000::/33", "2001:db8:8000::", 33),
            ("::ffff:10.0.0.0/104", "::ffff:10.0.0.0", 104),
        ]
    )
    func parses(text: String, network: String, length: Int) throws {
        let prefix = try #require(CIDR(text))
        #expect(prefix.network == IPAddress(network))
        #expect(prefix.prefixLength == length)
        #expect(prefix.description == "\(network)/\(length)")
    }

    @Test(
        "Host bits, bad lengths and bad addresses are refused",
        arguments: [
            "10.0.0.1/8", "1.2.3.5/31", "0.0.0.1/0", "::1/127", "2001:db8::1/32", "::1/0", "10.0.0.0/33", "::/129",
            "10.0.0.0/", "/8", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8/8", "10.0.0.0/ 8",
            "10.0.0.0/8 ", "10.0.0.0/1000", "::/0128", "", "/", "256.0.0.0/8", "10.0.0/8", "::g/16", "10.0.0.0/a",
        ]
    )
    func refuses(text: String) {
        #expect(CIDR(text) == nil, "\(text) should be invalid")
    }

    @Test("The memberwise initializer clears host bits")
    func masksHostBits() {
        #expect(CIDR(network: IPAddress("10.1.2.3")!, prefixLength: 8) == CIDR("10.0.0.0/8"))
        #expect(CIDR(network: IPAddress("2001:db8::1")!, prefixLength: 64) == CIDR("2001:db8::/64"))
        #expect(CIDR(network: IPAddress("2001:db8::ffff:1")!, prefixLength: 65).network == IPAddress("2001:db8::"))
        #expect(CIDR(network: IPAddress("1.2.3.4")!, prefixLength: 0) == CIDR("0.0.0.0/0"))
    }

    @Test("contains: boundaries, families and IPv4-mapped addresses")
    func contains() throws {
        let ten = try #require(CIDR("10.0.0.0/8"))
        #expect(ten.contains(IPAddress("10.0.0.0")!))
        #expect(ten.contains(IPAddress("10.255.255.255")!))
        #expect(!ten.contains(IPAddress("11.0.0.0")!))
        #expect(!ten.contains(IPAddress("9.255.255.255")!))
        #expect(ten.contains(IPAddress("::ffff:10.1.2.3")!))
        #expect(!ten.contains(IPAddress("::10.1.2.3")!))
        #expect(!ten.contains(IPAddress("a00::")!))

        let all4 = try #require(CIDR("0.0.0.0/0"))
        #expect(all4.contains(IPAddress("255.255.255.255")!))
        #expect(all4.contains(IPAddress("::ffff:1.1.1.1")!))
        #expect(!all4.contains(IPAddress("::1")!))

        let all6 = try #require(CIDR("::/0"))
        #expect(all6.contains(IPAddress("::1")!))
        #expect(all6.contains(IPAddress("ffff::")!))
        #expect(!all6.contains(IPAddress("1.2.3.4")!))  // "all IPv6" does not take in IPv4 clients
        #expect(!all6.contains(IPAddress("::ffff:1.2.3.4")!))

        let host = try #require(CIDR("2001:db8::1/128"))
        #expect(host.contains(IPAddress("2001:db8::1")!))
        #expect(!host.contains(IPAddress("2001:db8::2")!))

        let odd = try #require(CIDR("2001:db8:8000::/33"))
        #expect(odd.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!odd.contains(IPAddress("2001:db8:7fff::1")!))
    }

    @Test("A prefix written in the IPv4-mapped range matches the IPv4 addresses it maps")
    func mappedRangePrefix() throws {
        let mapped = try #require(CIDR("::ffff:10.0.0.0/104"))
        #expect(mapped.contains(IPAddress("10.9.8.7")!))
        #expect(mapped.contains(IPAddress("::ffff:10.9.8.7")!))
        #expect(!mapped.contains(IPAddress("11.0.0.1")!))
        #expect(!mapped.contains(IPAddress("::10.9.8.7")!))
        let allMapped = try #require(CIDR("::ffff:0:0/96"))
        #expect(allMapped.contains(IPAddress("1.2.3.4")!))
        #expect(!allMapped.contains(IPAddress("::1")!))
    }
}
