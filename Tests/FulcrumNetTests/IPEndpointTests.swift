import FulcrumNet
import Testing

@Suite("IPEndpoint")
struct IPEndpointTests {
    @Test(
        "Valid endpoints parse and print back",
        arguments: [
            ("1.2.3.4:80", "1.2.3.4", UInt16(80)),
            ("0.0.0.0:0", "0.0.0.0", 0),
            ("255.255.255.255:65535", "255.255.255.255", 65535),
            ("[::1]:80", "::1", 80),
            ("[2001:db8::1]:443", "2001:db8::1", 443),
            ("[::ffff:1.2.3.4]:8080", "::ffff:1.2.3.4", 8080),
        ]
    )
    func parses(text: String, address: String, port: UInt16) throws {
        let endpoint = try #require(IPEndpoint(text))
        #expect(endpoint.address == IPAddress(address))
        #expect(endpoint.port == port)
        #expect(endpoint.description == text)
    }

    @Test(
        "Malformed endpoints are refused",
        arguments: [
            "", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:99999", "1.2.3.4:080", "1.2.3.4:00", "1.2.3.4:-1",
            "1.2.3.4:+80", "1.2.3.4:8 0", "1.2.3.4:80 ", "1.2.3.4:0x50", "1.2.3.4:123456", ":80", "[::1]", "[::1]:",
            "[::1]80", "[::1]:080", "[::1]:65536", "[1.2.3.4]:80", "::1:80", "[::1:80", "::1]:80", "[]:80",
            "[::1]]:80", "256.1.1.1:80", "host:80", "[fe80::1%eth0]:80", "1.2.3:80",
        ]
    )
    func refuses(text: String) {
        #expect(IPEndpoint(text) == nil, "\(text) should be invalid")
    }

    @Test("A default port admits bare addresses, never a bad explicit port")
    func defaultPort() {
        #expect(IPEndpoint("1.2.3.4", defaultPort: 7) == IPEndpoint(address: .v4(0x0102_0304), port: 7))
        #expect(IPEndpoint("::1", defaultPort: 7) == IPEndpoint(address: .v6(high: 0, low: 1), port: 7))
        #expect(IPEndpoint("[::1]", defaultPort: 7) == IPEndpoint(address: .v6(high: 0, low: 1), port: 7))
        #expect(IPEndpoint("1.2.3.4:9", defaultPort: 7)?.port == 9)
        #expect(IPEndpoint("1.2.3.4:99999", defaultPort: 7) == nil)
        #expect(IPEndpoint("bogus", defaultPort: 7) == nil)
    }

    @Test("parsePort: decimal 0...65535 without sign or leading zeros")
    func ports() {
        #expect(IPEndpoint.parsePort("0") == 0)
        #expect(IPEndpoint.parsePort("65535") == 65535)
        #expect(IPEndpoint.parsePort("1") == 1)
        for bad in ["", "65536", "00", "01", "-0", "+1", "1e3", " 1", "100000", "٣"] {
            #expect(IPEndpoint.parsePort(bad) == nil, "\(bad)")
        }
    }
}
