/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of the PROXY v2 `PP2_TYPE_CRC32C` TLV
/// (RFC 4960 Appendix B). Bitwise rather than table-driven: headers are a few dozen bytes, and a table would be
/// a global to initialize.
struct CRC32C: Sendable {
    private var state: UInt32 = 0xFFFF_FFFF

    init() {}

    mutating func update(_ byte: UInt8) {
        self.state ^= UInt32(byte)
        for _ in 0..<8 {
            self.state = self.state >> 1 ^ (0x82F6_3B78 & (0 &- (self.state & 1)))
        }
    }

    var value: UInt32 { ~self.state }
}
