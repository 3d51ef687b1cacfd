import FulcrumNet
import FulcrumProxyProtocol
import Testing

@Suite("ProxyHeaderParser v2")
struct ProxyHeaderParserV2Tests {
    /// A v2 header: signature, version/command, family, big-endian length of `body`, then `body`.
    static func header(_ versionCommand: UInt8, _ family: UInt8, _ body: [UInt8], length: Int? = nil) -> [UInt8] {
        let length = length ?? body.count
        return v2Signature + [versionCommand, family, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }

    static let tcp4Block = hex("7F 00 00 05  7F 00 00 01  9C 40  1F 90")  // 127.0.0.5:40000 -> 127.0.0.1:8080
    static let tcp4Header = ProxyHeader.proxy(
        .v2,
        source: endpoint("127.0.0.5:40000"),
        destination: endpoint("127.0.0.1:8080")
    )
    static let tcp6Block =
        hex("2001 0db8 0000 0000 0000 0000 0000 0001  0000 0000 0000 0000 0000 0000 0000 0001  0001  FFFF")

    /// A TLV: type, big-endian length, value.
    static func tlv(_ type: UInt8, _ value: [UInt8]) -> [UInt8] {
        [type, UInt8(value.count >> 8), UInt8(value.count & 0xFF)] + value
    }

    static var valid: [([UInt8], ProxyHeader)] {
        let tcp6 = ProxyHeader.proxy(.v2, source: endpoint("[2001:db8::1]:1"), destination: endpoint("[::1]:65535"))
        let udp4 = ProxyHeader.proxy(
            .v2,
            transport: .datagram,
            source: tcp4Header.source!,
            destination: tcp4Header.destination!
        )
        let udp6 = ProxyHeader.proxy(.v2, transport: .datagram, source: tcp6.source!, destination: tcp6.destination!)
        let tlvs =
            tlv(0x01, ascii("h2")) + tlv(0x04, []) + tlv(0x02, ascii("example.com"))
            + tlv(0xE0, [UInt8](repeating: 7, count: 300))
        return [
            (header(0x21, 0x11, tcp4Block), tcp4Header),
            (header(0x21, 0x21, tcp6Block), tcp6),
            (header(0x21, 0x12, tcp4Block), udp4),
            (header(0x21, 0x22, tcp6Block), udp6),
            (header(0x21, 0x11, tcp4Block + tlvs), tcp4Header),
            (header(0x21, 0x21, tcp6Block + tlv(0x04, [])), tcp6),
            (header(0x21, 0x11, tcp4Block + tlv(0x20, hex("01 00000000") + tlv(0x21, ascii("TLSv1.3")))), tcp4Header),
            (header(0x20, 0x00, []), .local(.v2)),
            // LOCAL ignores the family and whatever follows, even bytes that are not TLVs.
            (header(0x20, 0x11, tcp4Block), .local(.v2)),
            (header(0x20, 0xFF, [1, 2, 3, 4, 5]), .local(.v2)),
            (header(0x21, 0x00, []), .unknown(.v2)),
            (header(0x21, 0x00, [9, 9, 9, 9, 9]), .unknown(.v2)),
            // AF_UNIX falls back to "unspecified": the real connection's addresses apply.
            (header(0x21, 0x31, [UInt8](repeating: 0x41, count: 216)), .unknown(.v2)),
            (header(0x21, 0x32, [UInt8](repeating: 0, count: 216) + tlv(0x05, [1, 2, 3])), .unknown(.v2)),
        ]
    }

    @Test("Exact bytes of known headers decode, in one piece and followed by payload")
    func validHeaders() {
        for (bytes, expected) in Self.valid {
            #expect(outcome(of: bytes) == .complete(expected, length: bytes.count), "\(bytes)")
            #expect(outcome(of: bytes + ascii("SSH-2.0-x\r\n")) == .complete(expected, length: bytes.count))
        }
    }

    @Test("Every split point gives the same header; every strict prefix needs more")
    func everySplit() {
        for (header, expected) in Self.valid {
            let bytes = header + [0, 1, 2, 3]
            let outcomeExpected = Outcome.complete(expected, length: header.count)
            for cut in 0...bytes.count {
                #expect(outcome(of: bytes, cuts: [cut]) == outcomeExpected, "cut at \(cut)")
            }
            #expect(outcome(of: bytes, cuts: Array(1..<bytes.count)) == outcomeExpected)
            for prefixLength in 0..<header.count {
                #expect(outcome(of: Array(header[..<prefixLength])) == .needMore, "prefix \(prefixLength)")
            }
        }
    }

    @Test("Two cuts at every pair of positions of a header with TLVs")
    func everyPairOfCuts() {
        let header = Self.header(0x21, 0x11, Self.tcp4Block + Self.tlv(0x01, ascii("h2")) + Self.tlv(0x04, []))
        let bytes = header + ascii("payload")
        let expected = Outcome.complete(Self.tcp4Header, length: header.count)
        for first in 0...bytes.count {
            for second in first...bytes.count {
                #expect(outcome(of: bytes, cuts: [first, second]) == expected, "cuts \(first), \(second)")
            }
        }
    }

    @Test("A corrupted signature byte is refused at that byte")
    func signature() {
        let valid = Self.header(0x21, 0x11, Self.tcp4Block)
        for index in 0..<12 {
            var bytes = valid
            bytes[index] ^= 0x40
            #expect(outcome(of: bytes) == .invalid(.notProxyProtocol), "byte \(index)")
            #expect(outcome(of: Array(bytes[...index])) == .invalid(.notProxyProtocol), "byte \(index)")
        }
    }

    @Test("Version, command and family bytes outside the specification are refused")
    func fixedFields() {
        for versionCommand: UInt8 in [0x01, 0x11, 0x31, 0x10, 0xF1, 0x00] {
            let bytes = Self.header(versionCommand, 0x11, Self.tcp4Block)
            #expect(outcome(of: bytes) == .invalid(.v2UnsupportedVersion), "\(versionCommand)")
            #expect(outcome(of: Array(bytes[..<13])) == .invalid(.v2UnsupportedVersion))
        }
        for versionCommand: UInt8 in [0x22, 0x23, 0x2F] {
            #expect(outcome(of: Self.header(versionCommand, 0x11, Self.tcp4Block)) == .invalid(.v2UnsupportedCommand))
        }
        for family: UInt8 in [0x01, 0x02, 0x10, 0x13, 0x20, 0x23, 0x30, 0x33, 0x40, 0x41, 0xFF] {
            let bytes = Self.header(0x21, family, [UInt8](repeating: 0, count: 216))
            #expect(outcome(of: bytes) == .invalid(.v2UnsupportedFamily), "\(family)")
            #expect(outcome(of: Array(bytes[..<14])) == .invalid(.v2UnsupportedFamily))
        }
    }

    @Test("A length shorter than the family's address block is refused")
    func lengthTooShort() {
        let cases: [(UInt8, Int)] = [
            (0x11, 0), (0x11, 11), (0x12, 4), (0x21, 0), (0x21, 12), (0x21, 35), (0x22, 35), (0x31, 215), (0x32, 0),
        ]
        for (family, length) in cases {
            let bytes = Self.header(0x21, family, [UInt8](repeating: 0, count: length))
            #expect(outcome(of: bytes) == .invalid(.v2LengthTooShort), "\(family) \(length)")
            #expect(outcome(of: Array(bytes[..<16])) == .invalid(.v2LengthTooShort))
        }
    }

    @Test("The length bound: the default, a custom one, and refusal at the high byte")
    func lengthBound() {
        let fits = Self.header(0x21, 0x11, Self.tcp4Block + Self.tlv(0xE1, [UInt8](repeating: 1, count: 2048 - 12 - 3)))
        #expect(outcome(of: fits) == .complete(Self.tcp4Header, length: 16 + 2048))
        let tooLong = Self.header(
            0x21,
            0x11,
            Self.tcp4Block + Self.tlv(0xE1, [UInt8](repeating: 1, count: 2049 - 12 - 3))
        )
        #expect(outcome(of: tooLong) == .invalid(.v2LengthTooLarge))
        // 2049 is 0x0801: the high byte alone still allows 0x0800, so the verdict waits for the low byte.
        #expect(outcome(of: Array(tooLong[..<15])) == .needMore)
        // 0x09xx is over 2048 whatever the low byte: refused as soon as the high byte is in.
        #expect(outcome(of: Array(Self.header(0x21, 0x11, [], length: 0x0900)[..<15])) == .invalid(.v2LengthTooLarge))
        #expect(outcome(of: Self.header(0x20, 0x00, [], length: 0xFFFF)) == .invalid(.v2LengthTooLarge))
        #expect(
            outcome(of: Self.header(0x21, 0x11, Self.tcp4Block), maximumV2Length: 11) == .invalid(.v2LengthTooLarge)
        )
        #expect(
            outcome(of: Self.header(0x21, 0x11, Self.tcp4Block), maximumV2Length: 12)
                == .complete(Self.tcp4Header, length: 28)
        )
        #expect(outcome(of: Self.header(0x20, 0x00, []), maximumV2Length: 0) == .complete(.local(.v2), length: 16))
        let large = Self.header(0x20, 0x00, [UInt8](repeating: 0xAA, count: 65535))
        #expect(outcome(of: large, maximumV2Length: 65535) == .complete(.local(.v2), length: 16 + 65535))
    }

    @Test("TLVs must exactly fill the length after the addresses")
    func tlvFraming() {
        let malformed: [[UInt8]] = [
            Self.tcp4Block + [0x04],  // one byte cannot be a TLV
            Self.tcp4Block + [0x04, 0x00],  // nor can two
            Self.tcp4Block + Self.tlv(0x04, []) + [0x04],  // trailing byte after a whole TLV
            Self.tcp4Block + Self.tlv(0x04, []) + [0x04, 0x00],
            Self.tcp4Block + [0x01, 0x00, 0x05, 0x68, 0x32],  // declares 5 value bytes, 2 remain
            Self.tcp4Block + [0x01, 0x01, 0x00] + [UInt8](repeating: 0, count: 20),  // 256 declared, 20 remain
            Self.tcp4Block + [0x01, 0xFF, 0xFF, 0x00],
            [UInt8](repeating: 0, count: 216) + [0x04, 0x00],
        ]
        for body in malformed {
            let family: UInt8 = body.count >= 216 ? 0x31 : 0x11
            let bytes = Self.header(0x21, family, body)
            #expect(outcome(of: bytes) == .invalid(.v2MalformedTLV), "\(body)")
            #expect(outcome(of: bytes, cuts: Array(0..<bytes.count)) == .invalid(.v2MalformedTLV))
        }
        // An IPv6 block followed by a TLV whose length runs past the header's end.
        let overflow = Self.header(0x21, 0x21, Self.tcp6Block + [0x02, 0x00, 0x10] + ascii("short"))
        #expect(outcome(of: overflow) == .invalid(.v2MalformedTLV))
    }

    @Test("A CRC32C TLV is verified over the header with its value zeroed")
    func checksum() throws {
        #expect(referenceCRC32C(ascii("123456789")) == 0xE306_9283)  // the standard check value

        func withChecksum(_ tlvsBefore: [UInt8], _ tlvsAfter: [UInt8], corrupt: Bool = false) -> [UInt8] {
            var bytes = Self.header(0x21, 0x11, Self.tcp4Block + tlvsBefore + Self.tlv(0x03, [0, 0, 0, 0]) + tlvsAfter)
            var crc = referenceCRC32C(bytes)
            if corrupt { crc ^= 1 }
            let offset = 16 + 12 + tlvsBefore.count + 3
            for index in 0..<4 { bytes[offset + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index)) }
            return bytes
        }
        let good = [withChecksum([], []), withChecksum(Self.tlv(0x01, ascii("h2")), Self.tlv(0x05, [1, 2, 3]))]
        for bytes in good {
            #expect(outcome(of: bytes) == .complete(Self.tcp4Header, length: bytes.count))
            #expect(outcome(of: bytes, cuts: Array(0..<bytes.count)) == .complete(Self.tcp4Header, length: bytes.count))
        }
        #expect(outcome(of: withChecksum([], [], corrupt: true)) == .invalid(.v2ChecksumMismatch))
        var flipped = withChecksum(Self.tlv(0x01, ascii("h2")), [])
        flipped[20] ^= 0x01  // an address byte
        #expect(outcome(of: flipped) == .invalid(.v2ChecksumMismatch))

        let wrongSize = Self.header(0x21, 0x11, Self.tcp4Block + Self.tlv(0x03, [0, 0, 0, 0, 0]))
        #expect(outcome(of: wrongSize) == .invalid(.v2MalformedTLV))
        let tooShort = Self.header(0x21, 0x11, Self.tcp4Block + Self.tlv(0x03, [0, 0, 0]))
        #expect(outcome(of: tooShort) == .invalid(.v2MalformedTLV))
        let twice = Self.header(
            0x21,
            0x11,
            Self.tcp4Block + Self.tlv(0x03, [0, 0, 0, 0]) + Self.tlv(0x03, [0, 0, 0, 0])
        )
        #expect(outcome(of: twice) == .invalid(.v2MalformedTLV))
    }

    @Test("A v2 header fed after a complete v1 line is payload, not a second header")
    func payloadIsNotParsed() {
        let line = ascii("PROXY UNKNOWN\r\n")
        let bytes = line + Self.header(0x21, 0x11, Self.tcp4Block)
        #expect(outcome(of: bytes) == .complete(.unknown(.v1), length: line.count))
    }
}
