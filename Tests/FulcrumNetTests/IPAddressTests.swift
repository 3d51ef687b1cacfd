import FulcrumNet
import FulcrumTestSupport
import Testing

@Suite("IPAddress")
struct IPAddressTests {
    @Test(
        "IPv4 literals parse to the host-order value",
        arguments: [
            ("0.0.0.0", UInt32(0)),
            ("1.2.3.4", 0x0102_0304),
            ("10.0.0.1", 0x0A00_0001),
            ("127.0.0.1", 0x7F00_0001),
            ("255.255.255.255", 0xFFFF_FFFF),
            ("192.168.100.200", 0xC0A8_64C8),
        ]
    )
    func parsesIPv4(text: String, value: UInt32) {
        #expect(IPAddress(text) == .v4(value))
        #expect(IPAddress(text)?.description == text)
    }

    @Test(
        "IPv6 literals parse to both halves",
        arguments: [
            ("::", UInt64(0), UInt64(0)),
            ("::1", 0, 1),
            ("1::", 0x0001_0000_0000_0000, 0),
            ("2001:db8::1", 0x2001_0DB8_0000_0000, 1),
            ("2001:DB8:0:0:0:0:0:1", 0x2001_0DB8_0000_0000, 1),
            ("1:2:3:4:5:6:7:8", 0x0001_0002_0003_0004, 0x0005_0006_0007_0008),
            ("1:2:3:4:5:6:7::", 0x0001_0002_0003_0004, 0x0005_0006_0007_0000),
            ("::2:3:4:5:6:7:8", 0x0000_0002_0003_0004, 0x0005_0006_0007_0008),
            ("::ffff:1.2.3.4", 0, 0x0000_FFFF_0102_0304),
            ("::1.2.3.4", 0, 0x0000_0000_0102_0304),
            ("1:2:3:4:5:6:1.2.3.4", 0x0001_0002_0003_0004, 0x0005_0006_0102_0304),
            ("fe80::a:b", 0xFE80_0000_0000_0000, 0x0000_0000_000A_000B),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", UInt64.max, UInt64.max),
            ("0000:0000:0000:0000:0000:0000:0000:0001", 0, 1),
        ]
    )
    func parsesIPv6(text: String, high: UInt64, low: UInt64) {
        #expect(IPAddress(text) == .v6(high: high, low: low))
    }

    @Test(
        "Invalid literals are refused",
        arguments: [
            "", " ", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.04", "00.0.0.0", "256.1.1.1", "1.2.3.256", "1..2.3",
            ".1.2.3", "1.2.3.", "1.2.3.4 ", " 1.2.3.4", "-1.2.3.4", "0x1.2.3.4", "1.2.3.4/8", "1.2.3.4:80", "a.b.c.d",
            "999.1.1.1", "1.2.3.99999999999", "1::2::3", ":::", "::::", "12345::", ":1", ":1::", "1:", "1::2:", ":",
            "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "g::", "::g",
            "::1.2.3", "::1.2.3.04", "::256.1.1.1", "1.2.3.4::", "::ffff:1.2.3.4:1", "1:2:3:4:5:6:7:1.2.3.4",
            "::1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:1.2.3.4", "fe80::1%eth0", "[::1]", "::ffff:1.2.3.4.5", "1:2::3:",
            "1:::2", "::1::", "0:0:0:0:0:0:0:0:0", "1.2.3.4.", "::1.2.3.4.", "::a.2.3.4", "::1.2.3.4a",
        ]
    )
    func refusesInvalid(text: String) {
        #expect(IPAddress(text) == nil, "\(text) should be invalid")
    }

    @Test(
        "Text follows RFC 5952",
        arguments: [
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),  // ties: the first run is compressed
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),  // the longest run wins
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),  // a single zero group is not compressed
            ("0:0:0:0:0:0:0:0", "::"),
            ("0:0:0:0:0:0:0:1", "::1"),
            ("1:0:0:0:0:0:0:0", "1::"),
            ("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
            ("fe80:0:0:0:0:0:0:0", "fe80::"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("0:0:1:0:0:0:0:0", "0:0:1::"),
            ("00ab:0cd0:0000:0001:0000:0000:0000:0000", "ab:cd0:0:1::"),
            ("0:0:0:0:0:ffff:0102:0304", "::ffff:1.2.3.4"),  // IPv4-mapped in mixed notation (RFC 5952 §5)
            ("::ffff:0.0.0.0", "::ffff:0.0.0.0"),
            ("::1.2.3.4", "::102:304"),  // IPv4-compatible is deprecated: plain hex
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        ]
    )
    func formatsCanonically(input: String, canonical: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == canonical)
        #expect(IPAddress(canonical) == address)
    }

    @Test("Random addresses survive text and byte round trips; writeText matches description")
    func randomRoundTrips() throws {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        var buffer = [UInt8](repeating: 0, count: IPAddress.maximumTextLength)
        for iteration in 0..<20_000 {
            let address = Self.randomAddress(using: &generator, iteration: iteration)
            let text = address.description
            #expect(IPAddress(text) == address, "\(text)")
            #expect(text.utf8.count <= IPAddress.maximumTextLength)
            let written = buffer.withUnsafeMutableBytes { address.writeText(into: $0) }
            #expect(String(decoding: buffer[..<written], as: UTF8.self) == text)
            let bytes = address.withNetworkBytes { Array($0) }
            #expect(bytes.count == address.byteCount)
            #expect(IPAddress(networkBytes: bytes) == address)
            #expect((0..<address.byteCount).map { address.byte(at: $0) } == bytes)
            // Lowercase, no leading zeros in a group, at most one "::".
            #expect(text == text.lowercased())
            let utf8 = Array(text.utf8)
            let doubleColons = utf8.indices.dropLast().count { utf8[$0] == 58 && utf8[$0 + 1] == 58 }
            #expect(doubleColons <= 1)
        }
    }

    /// Addresses with many zero groups, so that every compression case comes up.
    static func randomAddress(using generator: inout SeededGenerator, iteration: Int) -> IPAddress {
        if iteration % 4 == 0 { return .v4(UInt32.random(in: .min ... .max, using: &generator)) }
        if iteration % 8 == 1 {
            return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64.random(in: 0...0xFFFF_FFFF, using: &generator))
        }
        var halves: [UInt64] = [0, 0]
        for index in 0..<8 {
            let group: UInt64 =
                switch UInt8.random(in: 0...3, using: &generator) {
                case 0, 1: 0
                case 2: UInt64.random(in: 0...0xF, using: &generator)
                default: UInt64.random(in: 0...0xFFFF, using: &generator)
                }
            halves[index / 4] = halves[index / 4] << 16 | group
        }
        return .v6(high: halves[0], low: halves[1])
    }

    @Test("Network bytes of a fixed address")
    func networkBytes() {
        let v4 = IPAddress.v4(0xC0A8_0001)
        #expect(v4.withNetworkBytes { Array($0) } == [192, 168, 0, 1])
        let v6 = IPAddress("2001:db8::ff")!
        #expect(
            v6.withNetworkBytes { Array($0) } == [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [0xFF]
        )
        #expect(IPAddress(networkBytes: [1, 2, 3]) == nil)
        #expect(IPAddress(networkBytes: [UInt8](repeating: 0, count: 17)) == nil)
    }

    @Test("unmapped turns ::ffff:a.b.c.d into IPv4 and leaves everything else alone")
    func unmapping() {
        #expect(IPAddress("::ffff:10.1.2.3")!.unmapped == IPAddress("10.1.2.3"))
        #expect(IPAddress("10.1.2.3")!.unmapped == IPAddress("10.1.2.3"))
        #expect(IPAddress("::1.2.3.4")!.unmapped == IPAddress("::1.2.3.4"))  // IPv4-compatible, not mapped
        #expect(IPAddress("::fffe:1.2.3.4")!.unmapped == IPAddress("::fffe:1.2.3.4"))
        #expect(IPAddress("1::ffff:1.2.3.4")!.unmapped == IPAddress("1::ffff:1.2.3.4"))
        #expect(IPAddress("::ffff:10.1.2.3")!.isIPv4 == false)
    }

    @Test("IPv4 sorts before IPv6, numeric order within a family")
    func ordering() {
        let sorted = ["::1", "10.0.0.2", "2001:db8::", "10.0.0.1", "::", "9.255.255.255"].map { IPAddress($0)! }
            .sorted()
        #expect(sorted.map(\.description) == ["9.255.255.255", "10.0.0.1", "10.0.0.2", "::", "::1", "2001:db8::"])
    }
}
