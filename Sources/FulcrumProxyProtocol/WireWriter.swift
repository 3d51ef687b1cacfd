import FulcrumNet

/// Appends bytes to a caller's buffer without allocating; callers size the buffer for the longest output first, so
/// writes past its end are programmer errors and trap.
struct WireWriter {
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
    }

    mutating func write(_ byte: UInt8) {
        self.buffer[self.count] = byte
        self.count += 1
    }

    mutating func write(_ literal: StaticString) {
        for index in 0..<literal.utf8CodeUnitCount {
            self.write(literal.utf8Start[index])
        }
    }

    mutating func writeBigEndian(_ value: UInt16) {
        self.write(UInt8(truncatingIfNeeded: value >> 8))
        self.write(UInt8(truncatingIfNeeded: value))
    }

    /// The address in network byte order (4 or 16 bytes).
    mutating func writeNetworkBytes(_ address: IPAddress) {
        for index in 0..<address.byteCount {
            self.write(address.byte(at: index))
        }
    }

    /// The address as text, spelled as `IPAddress.description` spells it.
    mutating func writeText(_ address: IPAddress) {
        self.count += address.writeText(into: UnsafeMutableRawBufferPointer(rebasing: self.buffer[self.count...]))
    }

    /// A decimal number without leading zeros.
    mutating func writeDecimal(_ value: UInt16) {
        var divisor: UInt16 = 10000
        while divisor > 1, value < divisor { divisor /= 10 }
        while divisor > 0 {
            self.write(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value / divisor % 10))
            divisor /= 10
        }
    }
}
