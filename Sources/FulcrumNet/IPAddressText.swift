// Allocation-free text form of an address. `description` is built on it, and so is anything that writes addresses
// into wire buffers (the PROXY protocol v1 line), so both always spell an address the same way.

extension IPAddress {
    /// The longest text `writeText(into:)` produces: eight full IPv6 groups, `ffff:ffff:…:ffff`.
    public static let maximumTextLength = 39

    /// Writes the address as `description` spells it, in ASCII, into the start of `buffer` and returns the number of
    /// bytes written. Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lowercase hex without leading zeros,
    /// the longest run of two or more zero groups as `::`, the first on ties, IPv4-mapped as `::ffff:a.b.c.d`).
    ///
    /// Allocates nothing. `buffer` must hold at least `IPAddress.maximumTextLength` bytes.
    public func writeText(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(
            buffer.count >= IPAddress.maximumTextLength,
            "IPAddress.writeText needs a buffer of at least \(IPAddress.maximumTextLength) bytes"
        )
        var count = 0
        switch self {
        case .v4(let value):
            IPAddress.writeDottedQuad(value, into: buffer, at: &count)
        case .v6(let high, let low):
            if high == 0, low >> 32 == 0xFFFF {
                for byte in "::ffff:".utf8 {
                    buffer[count] = byte
                    count += 1
                }
                IPAddress.writeDottedQuad(UInt32(truncatingIfNeeded: low), into: buffer, at: &count)
                return count
            }
            let (bestStart, bestLength) = IPAddress.longestZeroRun(high: high, low: low)
            var index = 0
            while index < 8 {
                if index == bestStart {
                    buffer[count] = UInt8(ascii: ":")
                    buffer[count + 1] = UInt8(ascii: ":")
                    count += 2
                    index += bestLength
                    continue
                }
                // A separator goes before every group except the first one and the one right after "::".
                if index > 0, index != bestStart + bestLength {
                    buffer[count] = UInt8(ascii: ":")
                    count += 1
                }
                IPAddress.writeHexGroup(IPAddress.textGroup(index, high: high, low: low), into: buffer, at: &count)
                index += 1
            }
        }
        return count
    }

    /// Start and length of the longest run of at least two zero groups (RFC 5952 §4.2.2, §4.2.3: a single zero group
    /// is never compressed; the first run wins a tie); `(-1, 0)` when there is none.
    private static func longestZeroRun(high: UInt64, low: UInt64) -> (start: Int, length: Int) {
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for index in 0...8 {
            if index < 8, IPAddress.textGroup(index, high: high, low: low) == 0 {
                if runStart < 0 { runStart = index }
            } else if runStart >= 0 {
                let length = index - runStart
                if length > bestLength, length >= 2 {
                    bestStart = runStart
                    bestLength = length
                }
                runStart = -1
            }
        }
        return (bestStart, bestLength)
    }

    private static func textGroup(_ index: Int, high: UInt64, low: UInt64) -> UInt16 {
        index < 4
            ? UInt16(truncatingIfNeeded: high >> (16 * (3 - index)))
            : UInt16(truncatingIfNeeded: low >> (16 * (7 - index)))
    }

    private static func writeHexGroup(_ group: UInt16, into buffer: UnsafeMutableRawBufferPointer, at count: inout Int)
    {
        var started = false
        for shift in stride(from: 12, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: group >> UInt16(shift)) & 0xF
            // Leading zeros are dropped (RFC 5952 §4.1), but the last nibble is always written.
            if nibble == 0, !started, shift > 0 { continue }
            started = true
            buffer[count] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            count += 1
        }
    }

    private static func writeDottedQuad(
        _ value: UInt32,
        into buffer: UnsafeMutableRawBufferPointer,
        at count: inout Int
    ) {
        for octetIndex in 0..<4 {
            if octetIndex > 0 {
                buffer[count] = UInt8(ascii: ".")
                count += 1
            }
            let octet = UInt8(truncatingIfNeeded: value >> (8 * (3 - octetIndex)))
            if octet >= 100 {
                buffer[count] = UInt8(ascii: "0") + octet / 100
                count += 1
            }
            if octet >= 10 {
                buffer[count] = UInt8(ascii: "0") + octet / 10 % 10
                count += 1
            }
            buffer[count] = UInt8(ascii: "0") + octet % 10
            count += 1
        }
    }
}
