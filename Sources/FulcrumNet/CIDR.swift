/// An address prefix such as `10.0.0.0/8` or `2001:db8::/32`.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    /// The network address, with host bits cleared.
    public let network: IPAddress
    /// 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// Parses `ADDRESS/LENGTH`; a bare address is a host prefix (/32 or /128). Host bits set below the prefix
    /// (`10.0.0.1/8`) are rejected, because they usually mean a typo.
    public init?(_ text: some StringProtocol) {
        let string = String(text)
        let parts = string.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0]) else { return nil }
        let maxLength = address.isIPv4 ? 32 : 128
        var length = maxLength
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 3, digits.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                let value = Int(digits), value <= maxLength
            else { return nil }
            if digits.count > 1, digits.first == "0" { return nil }
            length = value
        }
        guard CIDR.masked(address, to: length) == address else { return nil }
        self.network = address
        self.prefixLength = length
    }

    public init(network: IPAddress, prefixLength: Int) {
        self.network = CIDR.masked(network, to: prefixLength)
        self.prefixLength = prefixLength
    }

    /// `true` when `address` lies inside the prefix. IPv4 and IPv4-mapped IPv6 (`::ffff:a.b.c.d`) are one address:
    /// a mapped client matches IPv4 prefixes, and a prefix inside `::ffff:0:0/96` matches the IPv4 addresses it maps.
    public func contains(_ address: IPAddress) -> Bool {
        let (network, length) = self.lookupForm
        let candidate = address.unmapped
        guard candidate.isIPv4 == network.isIPv4 else { return false }
        return CIDR.masked(candidate, to: length) == network
    }

    /// The prefix as lookups compare it: one inside `::ffff:0:0/96` becomes the IPv4 prefix it maps (lookups unmap
    /// the address first, so the IPv6 form would never match anything); any other prefix is itself.
    var lookupForm: (network: IPAddress, prefixLength: Int) {
        if case .v6(let high, let low) = self.network, high == 0, low >> 32 == 0xFFFF, self.prefixLength >= 96 {
            return (.v4(UInt32(truncatingIfNeeded: low)), self.prefixLength - 96)
        }
        return (self.network, self.prefixLength)
    }

    public var description: String { "\(self.network)/\(self.prefixLength)" }

    static func masked(_ address: IPAddress, to length: Int) -> IPAddress {
        switch address {
        case .v4(let value):
            let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << (32 - length)
            return .v4(value & mask)
        case .v6(let high, let low):
            let highMask: UInt64 = length >= 64 ? ~0 : (length == 0 ? 0 : ~UInt64(0) << (64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? ~0 : ~UInt64(0) << (128 - length))
            return .v6(high: high & highMask, low: low & lowMask)
        }
    }
}
