/// Constants of the PROXY protocol wire format (haproxy doc/proxy-protocol.txt), shared by parser and encoder.
enum ProxyProtocolWire {
    /// What every v1 line starts with.
    static let v1Prefix: StaticString = "PROXY "
    /// The 12 bytes every v2 header starts with (it contains a NUL, so it is never handled as a C string).
    static let v2Signature: StaticString = "\r\n\r\n\0\r\nQUIT\n"
    /// Signature, version/command, family/transport and the 16-bit length.
    static let v2FixedLength = 16
    /// The longest v1 line a receiver must accept, CRLF included (`PROXY UNKNOWN` with two full IPv6 addresses).
    static let v1MaximumLength = 107

    static let v2VersionCommandLocal: UInt8 = 0x20
    static let v2VersionCommandProxy: UInt8 = 0x21
    static let v2FamilyUnspecified: UInt8 = 0x00
    static let v2FamilyTCP4: UInt8 = 0x11
    static let v2FamilyUDP4: UInt8 = 0x12
    static let v2FamilyTCP6: UInt8 = 0x21
    static let v2FamilyUDP6: UInt8 = 0x22
    static let v2FamilyUnixStream: UInt8 = 0x31
    static let v2FamilyUnixDatagram: UInt8 = 0x32
    /// Address block sizes: two addresses plus two ports for IP, two 108-byte paths for AF_UNIX.
    static let v2AddressLengthIPv4 = 12
    static let v2AddressLengthIPv6 = 36
    static let v2AddressLengthUnix = 216
    static let v2TLVHeaderLength = 3
    static let v2TLVTypeCRC32C: UInt8 = 0x03

    @inline(__always)
    static func byte(_ literal: StaticString, _ index: Int) -> UInt8 {
        literal.utf8Start[index]
    }
}
