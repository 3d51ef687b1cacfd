/// An IPv4 or IPv6 address as a value: no allocation, no socket structures, cheap to hash and compare.
///
/// IPv4 is held as a host-order `UInt32` (`10.0.0.1` is `0x0A00_0001`); IPv6 as two host-order `UInt64` halves
/// (`high` holds the first eight bytes on the wire). Parsing is strict: only literals as written in URLs and
/// configuration files (`1.2.3.4`, `::1`, `2001:db8::1`, `::ffff:1.2.3.4`), no leading zeros in IPv4 octets, no zone ids.
public enum IPAddress: Hashable, Sendable {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// `true` for IPv4.
    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    /// Address length on the wire: 4 or 16 bytes.
    public var byteCount: Int { self.isIPv4 ? 4 : 16 }

    /// Calls `body` with the address in network byte order (4 or 16 bytes), without allocating.
    @inlinable
    public func withNetworkBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case .v4(let value):
            var bigEndian = value.bigEndian
            return try withUnsafeBytes(of: &bigEndian) { try body($0) }
        case .v6(let high, let low):
            var pair = (high.bigEndian, low.bigEndian)
            return try withUnsafeBytes(of: &pair) { try body($0) }
        }
    }

    /// The address from 4 or 16 network-order bytes; `nil` for any other length.
    public init?(networkBytes bytes: some Collection<UInt8>) {
        switch bytes.count {
        case 4:
            var value: UInt32 = 0
            for byte in bytes { value = value << 8 | UInt32(byte) }
            self = .v4(value)
        case 16:
            var high: UInt64 = 0
            var low: UInt64 = 0
            for (index, byte) in bytes.enumerated() {
                if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
            }
            self = .v6(high: high, low: low)
        default:
            return nil
        }
    }

    /// The byte at `index` (0-based) in network order; `index` must be below `byteCount`.
    @inlinable
    public func byte(at index: Int) -> UInt8 {
        switch self {
        case .v4(let value):
            return UInt8(truncatingIfNeeded: value >> (8 * (3 - index)))
        case .v6(let high, let low):
            return index < 8
                ? UInt8(truncatingIfNeeded: high >> (8 * (7 - index)))
                : UInt8(truncatingIfNeeded: low >> (8 * (15 - index)))
        }
    }

    /// For an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), the IPv4 address; otherwise `self`.
    ///
    /// Clients of a dual-stack socket appear mapped; ACLs, per-source limits and hashing must treat them as the IPv4
    /// client they are.
    public var unmapped: IPAddress {
        if case .v6(let high, let low) = self, high == 0, low >> 32 == 0xFFFF {
            return .v4(UInt32(truncatingIfNeeded: low))
        }
        return self
    }
}

// MARK: - Parsing

extension IPAddress {
    /// Parses an IPv4 or IPv6 literal (no brackets, no port). Returns `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        let utf8 = Array(text.utf8)
        if utf8.contains(UInt8(ascii: ":")) {
            guard let parsed = IPAddress.parseIPv6(utf8[...]) else { return nil }
            self = parsed
        } else {
            guard let value = IPAddress.parseIPv4(utf8[...]) else { return nil }
            self = .v4(value)
        }
    }

    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        var leadingZero = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | current
                octets += 1
                current = 0
                digits = 0
                leadingZero = false
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                // A leading zero would be octal to inet_aton and decimal to others: refuse the ambiguity.
                if leadingZero { return nil }
                if digits == 0, byte == UInt8(ascii: "0") { leadingZero = true }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | current
    }

    static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> IPAddress? {
        // Split at "::" (at most one), parse both sides as groups, an embedded IPv4 allowed in the last position.
        var groups: [UInt16] = []
        var tail: [UInt16] = []
        var sawDoubleColon = false
        var index = bytes.startIndex
        let end = bytes.endIndex
        if bytes.count >= 2, bytes[index] == UInt8(ascii: ":") {
            guard bytes[index + 1] == UInt8(ascii: ":") else { return nil }
            sawDoubleColon = true
            index += 2
            if index == end { return .v6(high: 0, low: 0) }
        }
        while index < end {
            // Read one field up to the next ':' or the end.
            var fieldEnd = index
            while fieldEnd < end, bytes[fieldEnd] != UInt8(ascii: ":") { fieldEnd += 1 }
            let field = bytes[index..<fieldEnd]
            if field.isEmpty { return nil }
            if field.contains(UInt8(ascii: ".")) {
                // Embedded IPv4: only as the last field.
                guard fieldEnd == end, let v4 = parseIPv4(field) else { return nil }
                if sawDoubleColon {
                    tail.append(UInt16(v4 >> 16))
                    tail.append(UInt16(v4 & 0xFFFF))
                } else {
                    groups.append(UInt16(v4 >> 16))
                    groups.append(UInt16(v4 & 0xFFFF))
                }
                index = end
                break
            }
            guard field.count <= 4 else { return nil }
            var value: UInt16 = 0
            for byte in field {
                guard let nibble = HexDigit.value(byte) else { return nil }
                value = value << 4 | UInt16(nibble)
            }
            if sawDoubleColon { tail.append(value) } else { groups.append(value) }
            index = fieldEnd
            if index < end {
                // Skip ':' and detect '::'.
                index += 1
                if index < end, bytes[index] == UInt8(ascii: ":") {
                    guard !sawDoubleColon else { return nil }
                    sawDoubleColon = true
                    index += 1
                } else if index == end {
                    return nil  // a trailing single ':'
                }
            }
        }
        let total = groups.count + tail.count
        if sawDoubleColon {
            guard total <= 7 else { return nil }
        } else {
            guard total == 8 else { return nil }
        }
        let all = groups + [UInt16](repeating: 0, count: 8 - total) + tail
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (position, group) in all.enumerated() {
            if position < 4 { high = high << 16 | UInt64(group) } else { low = low << 16 | UInt64(group) }
        }
        return .v6(high: high, low: low)
    }
}

// MARK: - Formatting

extension IPAddress: CustomStringConvertible {
    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lowercase, longest zero run as `::`,
    /// IPv4-mapped addresses as `::ffff:a.b.c.d`).
    public var description: String {
        String(unsafeUninitializedCapacity: IPAddress.maximumTextLength) { buffer in
            self.writeText(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }
}

extension IPAddress: Comparable {
    /// IPv4 sorts before IPv6; within a family, numeric order.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): return a < b
        case (.v4, .v6): return true
        case (.v6, .v4): return false
        case (.v6(let ah, let al), .v6(let bh, let bl)): return ah != bh ? ah < bh : al < bl
        }
    }
}
