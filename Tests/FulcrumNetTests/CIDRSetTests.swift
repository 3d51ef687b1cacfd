import FulcrumNet
import FulcrumTestSupport
import Testing

@Suite("CIDRSet")
struct CIDRSetTests {
    @Test("An empty set contains nothing")
    func empty() {
        let set = CIDRSet()
        #expect(set.isEmpty)
        #expect(!set.contains(IPAddress("0.0.0.0")!))
        #expect(!set.contains(IPAddress("::")!))
    }

    @Test("Fixed prefixes, nesting, /0 and IPv4-mapped lookups")
    func fixed() {
        var set = CIDRSet(
            ["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32", "::1/128", "10.1.0.0/16"].map { CIDR($0)! }
        )
        #expect(!set.isEmpty)
        #expect(set.prefixes.count == 5)
        #expect(set.contains(IPAddress("10.200.0.1")!))
        #expect(set.contains(IPAddress("10.1.2.3")!))
        #expect(set.contains(IPAddress("::ffff:10.1.2.3")!))
        #expect(set.contains(IPAddress("192.168.1.255")!))
        #expect(!set.contains(IPAddress("192.168.2.0")!))
        #expect(set.contains(IPAddress("2001:db8:1::5")!))
        #expect(!set.contains(IPAddress("2001:db9::")!))
        #expect(set.contains(IPAddress("::1")!))
        #expect(!set.contains(IPAddress("::2")!))
        #expect(!set.contains(IPAddress("::ffff:11.0.0.1")!))
        #expect(!set.contains(IPAddress("::10.1.2.3")!))
        set.insert(CIDR("::ffff:172.16.0.0/108")!)
        #expect(set.contains(IPAddress("172.31.255.255")!))
        #expect(set.contains(IPAddress("::ffff:172.16.0.1")!))
        #expect(!set.contains(IPAddress("172.32.0.0")!))
        set.insert(CIDR("0.0.0.0/0")!)
        #expect(set.contains(IPAddress("8.8.8.8")!))
        #expect(!set.contains(IPAddress("2001:db9::")!))
        set.insert(CIDR("::/0")!)
        #expect(set.contains(IPAddress("2001:db9::")!))
    }

    @Test("Lookups agree with a linear scan over random prefixes and addresses")
    func agreesWithBruteForce() {
        var generator = SeededGenerator(seed: 0xC1D5_0002)
        for round in 0..<40 {
            var prefixes: [CIDR] = []
            let prefixCount = [0, 1, 3, 20, 200][round % 5]
            for _ in 0..<prefixCount {
                prefixes.append(Self.randomPrefix(using: &generator))
            }
            let set = CIDRSet(prefixes)
            for _ in 0..<2_000 {
                // Half the addresses are drawn near a prefix so that hits are common.
                let address: IPAddress
                if let near = prefixes.randomElement(using: &generator), Bool.random(using: &generator) {
                    address = Self.randomAddress(near: near.network, using: &generator)
                } else {
                    address = Self.randomAddress(near: nil, using: &generator)
                }
                let expected = prefixes.contains { Self.referenceContains($0, address) }
                #expect(set.contains(address) == expected, "\(address) in \(prefixes)")
                #expect(prefixes.contains { $0.contains(address) } == expected)
            }
        }
    }

    /// An independent reading of `CIDR.contains`: IPv4 and IPv4-mapped addresses are the same 128-bit value
    /// `::ffff:a.b.c.d`; an IPv4 prefix of length n is the mapped prefix of length 96 + n; an IPv6 prefix shorter
    /// than 96 or outside the mapped range never contains an IPv4 client.
    static func referenceContains(_ prefix: CIDR, _ address: IPAddress) -> Bool {
        func bits(_ address: IPAddress) -> UInt128 {
            switch address {
            case .v4(let value): return 0xFFFF_0000_0000 | UInt128(value)
            case .v6(let high, let low): return UInt128(high) << 64 | UInt128(low)
            }
        }
        let addressBits = bits(address)
        let addressIsIPv4 = addressBits >> 32 == 0xFFFF
        let prefixBits = bits(prefix.network)
        let length = prefix.network.isIPv4 ? 96 + prefix.prefixLength : prefix.prefixLength
        let prefixIsMapped = length >= 96 && prefixBits >> 32 == 0xFFFF
        if addressIsIPv4 != prefixIsMapped { return false }
        if length == 0 { return true }
        let mask = ~UInt128(0) << (128 - length)
        return addressBits & mask == prefixBits & mask
    }

    static func randomPrefix(using generator: inout SeededGenerator) -> CIDR {
        switch UInt8.random(in: 0...9, using: &generator) {
        case 0...4:
            let length = Int.random(in: 0...32, using: &generator)
            return CIDR(network: .v4(UInt32.random(in: .min ... .max, using: &generator)), prefixLength: length)
        case 5:
            // Inside the IPv4-mapped range.
            let value = UInt64.random(in: 0...0xFFFF_FFFF, using: &generator)
            let length = Int.random(in: 96...128, using: &generator)
            return CIDR(network: .v6(high: 0, low: 0xFFFF_0000_0000 | value), prefixLength: length)
        default:
            let length = Int.random(in: 0...128, using: &generator)
            let network = IPAddress.v6(
                high: UInt64.random(in: .min ... .max, using: &generator)
                    >> UInt64.random(in: 0...64, using: &generator),
                low: UInt64.random(in: .min ... .max, using: &generator)
            )
            return CIDR(network: network, prefixLength: length)
        }
    }

    /// A random address, or one that shares a random number of leading bits with `near` (and, for IPv4, sometimes
    /// its IPv4-mapped form).
    static func randomAddress(near: IPAddress?, using generator: inout SeededGenerator) -> IPAddress {
        guard let near else {
            switch UInt8.random(in: 0...2, using: &generator) {
            case 0: return .v4(UInt32.random(in: .min ... .max, using: &generator))
            case 1: return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64.random(in: 0...0xFFFF_FFFF, using: &generator))
            default:
                return .v6(
                    high: UInt64.random(in: .min ... .max, using: &generator),
                    low: UInt64.random(in: .min ... .max, using: &generator)
                )
            }
        }
        let noise = UInt128.random(in: .min ... .max, using: &generator) >> Int.random(in: 0...128, using: &generator)
        switch near {
        case .v4(let value):
            let address = value ^ UInt32(truncatingIfNeeded: noise)
            return Bool.random(using: &generator)
                ? .v4(address) : .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64(address))
        case .v6(let high, let low):
            let bits = (UInt128(high) << 64 | UInt128(low)) ^ noise
            let address = IPAddress.v6(
                high: UInt64(truncatingIfNeeded: bits >> 64),
                low: UInt64(truncatingIfNeeded: bits)
            )
            return Bool.random(using: &generator) ? address : address.unmapped
        }
    }
}
