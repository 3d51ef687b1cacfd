import FulcrumNet

/// Reads a PROXY protocol header (v1 or v2, told apart by their signatures) from the start of a connection,
/// incrementally: feed bytes as they arrive, in pieces of any size, even one at a time.
///
/// The parser is a state machine over single bytes with no buffer: v1 addresses are recognized and decoded as they
/// stream in (see `IPv4TextScanner`, `IPv6TextScanner`), v2 addresses are gathered into integers, and v2 TLVs are
/// framed but not kept. It never allocates, and its memory is the same whatever the input.
///
/// Every byte either keeps the input a strict prefix of some valid header (`needMore`), completes one (`complete`),
/// or makes it impossible (`invalid`, at once: a v1 line is refused at its first bad byte, not after the CRLF).
///
/// Strictness, where the specification (haproxy doc/proxy-protocol.txt) leaves a choice:
/// - v1: exactly `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n` with single spaces; `TCP4` takes only dotted quads,
///   `TCP6` only IPv6 literals (the mixed `::ffff:1.2.3.4` form included); no leading zeros in IPv4 octets or ports;
///   ports 0...65535. `PROXY UNKNOWN` is followed by CRLF or by a space and anything but CR/LF up to the CRLF.
///   At most 107 bytes including the CRLF.
/// - v2: version 2 only; commands LOCAL and PROXY only. For PROXY the family/transport byte must be one the
///   specification lists (0x00, 0x11, 0x12, 0x21, 0x22, 0x31, 0x32) and the length at least its address block.
///   `AF_UNIX` (0x31, 0x32) falls back to "unspecified", as the specification allows: its paths are skipped and the
///   real connection's addresses apply. For LOCAL, and for PROXY with 0x00, the family byte is ignored and the
///   whole block after the 16 fixed bytes is skipped uninterpreted, since nothing says what it holds. After IP or
///   UNIX addresses, the rest must be whole TLVs; their contents are skipped except `PP2_TYPE_CRC32C`, which must be
///   4 bytes, at most once, and is verified.
/// - The v2 length field may not exceed `maximumV2Length`.
///
/// One verdict comes late by nature: a CRC32C mismatch is known only at the header's last byte, since the checksum
/// covers all of it.
public struct ProxyHeaderParser: Sendable {
    /// The parser's answer after a piece of input.
    public enum Verdict: Hashable, Sendable {
        /// Everything so far is a strict prefix of a valid header: feed more.
        case needMore
        /// The header is complete. `consumed` is how many bytes of the piece just fed belong to it (all of them
        /// when the header came in one piece); the rest of that piece is payload and must be passed on.
        case complete(ProxyHeader, consumed: Int)
        /// The input cannot be the start of a valid header.
        case invalid(ProxyHeaderError)
    }

    /// The default bound on the v2 length field (the bytes after the 16 fixed ones). Addresses take at most 216
    /// bytes; this leaves room for any realistic set of TLVs (ALPN, authority, unique id, SSL, cloud endpoint ids).
    public static let defaultMaximumV2Length = 2048

    /// The largest v2 length field accepted, at most 65535.
    public let maximumV2Length: Int

    /// Header bytes consumed so far; once `complete`, the whole header's length.
    public private(set) var headerLength = 0

    /// Each case lists where it goes next.
    private enum Phase: Sendable {
        /// Nothing read yet. → v1Prefix on "P", v2Signature on CR, else invalid.
        case start
        /// Reading "ROXY ". → v1Protocol.
        case v1Prefix
        /// Reading "TCP4 ", "TCP6 " or "UNKNOWN". → v1Address (TCP), v1UnknownRest (space), v1LineFeed (CR).
        case v1Protocol
        /// Reading the source (field 0) or destination (field 1) address up to its space. → v1Port after field 1.
        case v1Address
        /// Reading the source port (field 2) up to a space, the destination port (field 3) up to CR. → v1LineFeed.
        case v1Port
        /// After "UNKNOWN ": anything but CR or LF, up to CR. → v1LineFeed.
        case v1UnknownRest
        /// After CR: LF completes the line. → finished.
        case v1LineFeed
        /// Reading the rest of the 12-byte signature. → v2Fixed.
        case v2Signature
        /// Reading version/command, family/transport and length. → v2Addresses, v2Opaque, or finished (length 0).
        case v2Fixed
        /// Reading the address block. → v2TLVs, or finished when no bytes follow it.
        case v2Addresses
        /// Framing TLVs up to the announced length. → finished.
        case v2TLVs
        /// Skipping a LOCAL or AF_UNSPEC block uninterpreted. → finished.
        case v2Opaque
        /// A verdict was given; input is no longer looked at.
        case finished
    }

    /// The outcome of one byte. Deliberately small (the header is built once, at the end) because it is returned
    /// for every byte.
    private enum Step {
        case more
        case done
        case fail(ProxyHeaderError)
    }

    private enum V1Protocol: Sendable {
        case tcp4
        case tcp6
        case unknown
    }

    private var phase = Phase.start
    /// Set by the first byte: the v2 signature rather than "PROXY ".
    private var isV2 = false
    /// The verdict repeated to any later `feed` (with `consumed: 0`).
    private var finalVerdict: Verdict?

    // v1 state.
    private var v1Protocol = V1Protocol.unknown
    private var v1Field = 0
    private var v1FieldLength = 0
    private var ipv4Scanner = IPv4TextScanner()
    private var ipv6Scanner = IPv6TextScanner()
    private var port: UInt32 = 0
    private var portDigits = 0

    // Decoded endpoints, v1 and v2.
    private var sourceAddress = IPAddress.v4(0)
    private var destinationAddress = IPAddress.v4(0)
    private var sourcePort: UInt16 = 0
    private var destinationPort: UInt16 = 0

    // v2 state.
    private var v2Command = ProxyHeader.Command.local
    private var v2Family: UInt8 = 0
    /// The length field: bytes after the 16 fixed ones.
    private var v2Length = 0
    /// The address block decoded or skipped before the TLVs (0 when the block is opaque).
    private var v2AddressLength = 0
    private var v2SourceBits: UInt128 = 0
    private var v2DestinationBits: UInt128 = 0
    private var v2Ports: UInt32 = 0
    /// TLV bytes (headers and values) still to come.
    private var tlvRemaining = 0
    /// 0...2 while reading a TLV's type and length, 3 while reading its value.
    private var tlvHeaderIndex = 0
    private var tlvType: UInt8 = 0
    private var tlvValueRemaining = 0
    private var checksum = CRC32C()
    private var expectedChecksum: UInt32?

    /// A parser for one connection. `maximumV2Length` bounds the v2 length field (0...65535).
    public init(maximumV2Length: Int = ProxyHeaderParser.defaultMaximumV2Length) {
        precondition((0...65535).contains(maximumV2Length), "maximumV2Length must be 0...65535")
        self.maximumV2Length = maximumV2Length
    }

    /// Feeds the next bytes of the connection. After `complete` or `invalid`, the same verdict is returned again
    /// (with `consumed: 0`) and the bytes are not looked at.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        if let finalVerdict = self.finalVerdict { return finalVerdict }
        for index in 0..<bytes.count {
            switch self.step(bytes[index]) {
            case .more:
                continue
            case .done:
                let header = self.isV2 ? self.v2Header : self.v1Header
                self.phase = .finished
                self.finalVerdict = .complete(header, consumed: 0)
                return .complete(header, consumed: index + 1)
            case .fail(let error):
                self.phase = .finished
                self.finalVerdict = .invalid(error)
                return .invalid(error)
            }
        }
        return .needMore
    }

    /// Feeds the next bytes from any collection (arrays, slices), for tests and tools.
    public mutating func feed(_ bytes: some Collection<UInt8>) -> Verdict {
        if let verdict = bytes.withContiguousStorageIfAvailable({ self.feed(UnsafeRawBufferPointer($0)) }) {
            return verdict
        }
        return Array(bytes).withUnsafeBytes { self.feed($0) }
    }

    private mutating func step(_ byte: UInt8) -> Step {
        let position = self.headerLength
        self.headerLength += 1
        switch self.phase {
        case .start:
            if byte == ProxyProtocolWire.byte(ProxyProtocolWire.v1Prefix, 0) {
                self.phase = .v1Prefix
                return .more
            }
            if byte == ProxyProtocolWire.byte(ProxyProtocolWire.v2Signature, 0) {
                self.isV2 = true
                self.checksum.update(byte)
                self.phase = .v2Signature
                return .more
            }
            return .fail(.notProxyProtocol)
        case .v1Prefix:
            guard byte == ProxyProtocolWire.byte(ProxyProtocolWire.v1Prefix, position) else {
                return .fail(.notProxyProtocol)
            }
            if position == ProxyProtocolWire.v1Prefix.utf8CodeUnitCount - 1 { self.phase = .v1Protocol }
            return .more
        case .v1Protocol:
            return self.stepV1Protocol(byte, offset: position - ProxyProtocolWire.v1Prefix.utf8CodeUnitCount)
        case .v1Address:
            return self.stepV1Address(byte)
        case .v1Port:
            return self.stepV1Port(byte)
        case .v1UnknownRest:
            if byte == UInt8(ascii: "\r") {
                self.phase = .v1LineFeed
                return .more
            }
            if byte == UInt8(ascii: "\n") { return .fail(.v1BadLineEnding) }
            // Past this position the CRLF could no longer end within 107 bytes.
            if position >= ProxyProtocolWire.v1MaximumLength - 2 { return .fail(.v1LineTooLong) }
            return .more
        case .v1LineFeed:
            guard byte == UInt8(ascii: "\n") else { return .fail(.v1BadLineEnding) }
            return .done
        case .v2Signature:
            self.checksum.update(byte)
            guard byte == ProxyProtocolWire.byte(ProxyProtocolWire.v2Signature, position) else {
                return .fail(.notProxyProtocol)
            }
            if position == ProxyProtocolWire.v2Signature.utf8CodeUnitCount - 1 { self.phase = .v2Fixed }
            return .more
        case .v2Fixed:
            self.checksum.update(byte)
            return self.stepV2Fixed(byte, position: position)
        case .v2Addresses:
            self.checksum.update(byte)
            return self.stepV2Address(byte, index: position - ProxyProtocolWire.v2FixedLength)
        case .v2TLVs:
            return self.stepV2TLV(byte)
        case .v2Opaque:
            // Nothing in an opaque block is verified, so it needs no checksum either.
            if position - ProxyProtocolWire.v2FixedLength == self.v2Length - 1 { return self.finishV2() }
            return .more
        case .finished:
            preconditionFailure("ProxyHeaderParser.step after a verdict; feed returns the saved verdict instead")
        }
    }

    // MARK: - v1

    private mutating func stepV1Protocol(_ byte: UInt8, offset: Int) -> Step {
        let tcp: StaticString = "TCP"
        let unknown: StaticString = "UNKNOWN"
        if offset == 0 {
            switch byte {
            case UInt8(ascii: "T"): self.v1Protocol = .tcp4
            case UInt8(ascii: "U"): self.v1Protocol = .unknown
            case UInt8(ascii: " "), UInt8(ascii: "\r"), UInt8(ascii: "\n"): return .fail(.v1MalformedLine)
            default: return .fail(.v1UnknownProtocol)
            }
            return .more
        }
        switch self.v1Protocol {
        case .tcp4, .tcp6:
            switch offset {
            case 1, 2:
                guard byte == ProxyProtocolWire.byte(tcp, offset) else { return .fail(.v1UnknownProtocol) }
            case 3:
                switch byte {
                case UInt8(ascii: "4"): self.v1Protocol = .tcp4
                case UInt8(ascii: "6"): self.v1Protocol = .tcp6
                default: return .fail(.v1UnknownProtocol)
                }
            default:
                if byte == UInt8(ascii: " ") {
                    self.beginV1Field(0)
                    self.phase = .v1Address
                    return .more
                }
                return .fail(byte == UInt8(ascii: "\r") ? .v1MalformedLine : .v1UnknownProtocol)
            }
            return .more
        case .unknown:
            if offset < unknown.utf8CodeUnitCount {
                guard byte == ProxyProtocolWire.byte(unknown, offset) else { return .fail(.v1UnknownProtocol) }
                return .more
            }
            switch byte {
            case UInt8(ascii: " "): self.phase = .v1UnknownRest
            case UInt8(ascii: "\r"): self.phase = .v1LineFeed
            case UInt8(ascii: "\n"): return .fail(.v1BadLineEnding)
            default: return .fail(.v1UnknownProtocol)
            }
            return .more
        }
    }

    private mutating func beginV1Field(_ field: Int) {
        self.v1Field = field
        self.v1FieldLength = 0
        self.ipv4Scanner = IPv4TextScanner()
        self.ipv6Scanner = IPv6TextScanner()
        self.port = 0
        self.portDigits = 0
    }

    private mutating func stepV1Address(_ byte: UInt8) -> Step {
        let isIPv4 = self.v1Protocol == .tcp4
        if byte == UInt8(ascii: " ") {
            guard self.v1FieldLength > 0 else { return .fail(.v1MalformedLine) }
            let address: IPAddress? = isIPv4 ? self.ipv4Scanner.finished.map { .v4($0) } : self.ipv6Scanner.finished
            guard let address else { return .fail(.v1InvalidAddress) }
            if self.v1Field == 0 {
                self.sourceAddress = address
                self.beginV1Field(1)
            } else {
                self.destinationAddress = address
                self.beginV1Field(2)
                self.phase = .v1Port
            }
            return .more
        }
        if byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n") { return .fail(.v1MalformedLine) }
        let accepted = isIPv4 ? self.ipv4Scanner.accept(byte) : self.ipv6Scanner.accept(byte)
        guard accepted else { return .fail(.v1InvalidAddress) }
        self.v1FieldLength += 1
        return .more
    }

    private mutating func stepV1Port(_ byte: UInt8) -> Step {
        let isSource = self.v1Field == 2
        let terminator = isSource ? UInt8(ascii: " ") : UInt8(ascii: "\r")
        if byte == terminator {
            guard self.portDigits > 0 else { return .fail(.v1MalformedLine) }
            if isSource {
                self.sourcePort = UInt16(self.port)
                self.beginV1Field(3)
            } else {
                self.destinationPort = UInt16(self.port)
                self.phase = .v1LineFeed
            }
            return .more
        }
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            // "0" is a port; "0" followed by anything is a leading zero.
            if self.portDigits > 0, self.port == 0 { return .fail(.v1InvalidPort) }
            self.port = self.port * 10 + UInt32(byte - UInt8(ascii: "0"))
            self.portDigits += 1
            return self.port <= 65535 ? .more : .fail(.v1InvalidPort)
        case UInt8(ascii: "\n"):
            return .fail(isSource ? .v1MalformedLine : .v1BadLineEnding)
        case UInt8(ascii: " "), UInt8(ascii: "\r"):
            return .fail(.v1MalformedLine)
        default:
            return .fail(.v1InvalidPort)
        }
    }

    private var v1Header: ProxyHeader {
        switch self.v1Protocol {
        case .tcp4, .tcp6:
            return .proxy(
                .v1,
                transport: .stream,
                source: IPEndpoint(address: self.sourceAddress, port: self.sourcePort),
                destination: IPEndpoint(address: self.destinationAddress, port: self.destinationPort)
            )
        case .unknown:
            return .unknown(.v1)
        }
    }

    // MARK: - v2

    private mutating func stepV2Fixed(_ byte: UInt8, position: Int) -> Step {
        switch position {
        case 12:
            guard byte >> 4 == 2 else { return .fail(.v2UnsupportedVersion) }
            switch byte & 0x0F {
            case 0: self.v2Command = .local
            case 1: self.v2Command = .proxy
            default: return .fail(.v2UnsupportedCommand)
            }
            return .more
        case 13:
            self.v2Family = byte
            // LOCAL ignores the family byte, as the specification says.
            if self.v2Command == .proxy, ProxyHeaderParser.addressLength(family: byte) == nil {
                return .fail(.v2UnsupportedFamily)
            }
            return .more
        case 14:
            self.v2Length = Int(byte) << 8
            return self.v2Length <= self.maximumV2Length ? .more : .fail(.v2LengthTooLarge)
        default:
            self.v2Length |= Int(byte)
            return self.beginV2Body()
        }
    }

    /// The size of the address block for a PROXY family/transport byte: 0 when the block is opaque (AF_UNSPEC),
    /// `nil` for a byte the specification does not define.
    private static func addressLength(family: UInt8) -> Int? {
        switch family {
        case ProxyProtocolWire.v2FamilyUnspecified: return 0
        case ProxyProtocolWire.v2FamilyTCP4, ProxyProtocolWire.v2FamilyUDP4:
            return ProxyProtocolWire.v2AddressLengthIPv4
        case ProxyProtocolWire.v2FamilyTCP6, ProxyProtocolWire.v2FamilyUDP6:
            return ProxyProtocolWire.v2AddressLengthIPv6
        case ProxyProtocolWire.v2FamilyUnixStream, ProxyProtocolWire.v2FamilyUnixDatagram:
            return ProxyProtocolWire.v2AddressLengthUnix
        default: return nil
        }
    }

    private mutating func beginV2Body() -> Step {
        guard self.v2Length <= self.maximumV2Length else { return .fail(.v2LengthTooLarge) }
        let addressLength = self.v2Command == .proxy ? ProxyHeaderParser.addressLength(family: self.v2Family) ?? 0 : 0
        if addressLength == 0 {
            if self.v2Length == 0 { return self.finishV2() }
            self.phase = .v2Opaque
            return .more
        }
        guard self.v2Length >= addressLength else { return .fail(.v2LengthTooShort) }
        self.v2AddressLength = addressLength
        self.tlvRemaining = self.v2Length - addressLength
        // One or two bytes cannot hold even a TLV's type and length.
        guard self.tlvRemaining == 0 || self.tlvRemaining >= ProxyProtocolWire.v2TLVHeaderLength else {
            return .fail(.v2MalformedTLV)
        }
        self.phase = .v2Addresses
        return .more
    }

    private mutating func stepV2Address(_ byte: UInt8, index: Int) -> Step {
        switch self.v2AddressLength {
        case ProxyProtocolWire.v2AddressLengthIPv4, ProxyProtocolWire.v2AddressLengthIPv6:
            let addressBytes = (self.v2AddressLength - 4) / 2
            if index < addressBytes {
                self.v2SourceBits = self.v2SourceBits << 8 | UInt128(byte)
            } else if index < 2 * addressBytes {
                self.v2DestinationBits = self.v2DestinationBits << 8 | UInt128(byte)
            } else {
                self.v2Ports = self.v2Ports << 8 | UInt32(byte)
            }
        default:
            break  // AF_UNIX paths are skipped: the real connection's addresses apply.
        }
        guard index == self.v2AddressLength - 1 else { return .more }
        if self.tlvRemaining == 0 { return self.finishV2() }
        self.tlvHeaderIndex = 0
        self.phase = .v2TLVs
        return .more
    }

    private mutating func stepV2TLV(_ byte: UInt8) -> Step {
        self.tlvRemaining -= 1
        if self.tlvHeaderIndex < ProxyProtocolWire.v2TLVHeaderLength {
            self.checksum.update(byte)
            // Each check runs as soon as its byte is in, so that a TLV which cannot fit, or would leave one or two
            // bytes that no TLV can frame, is refused at once. `tlvRemaining` excludes the byte just read.
            switch self.tlvHeaderIndex {
            case 0:
                self.tlvType = byte
                if self.isChecksumTLV {
                    // Two length bytes and four value bytes must still fit, leaving a framable rest.
                    guard self.expectedChecksum == nil, ProxyHeaderParser.isFramable(self.tlvRemaining - 6) else {
                        return .fail(.v2MalformedTLV)
                    }
                }
            case 1:
                self.tlvValueRemaining = Int(byte) << 8
                // Whatever the low byte, the value must fit after it; a low byte that fills the rest exactly or
                // leaves three or more then exists, except for the checksum, whose length is fixed at 4.
                let fits =
                    self.isChecksumTLV
                    ? byte == 0 && ProxyHeaderParser.isFramable(self.tlvRemaining - 5)
                    : self.tlvValueRemaining <= self.tlvRemaining - 1
                guard fits else { return .fail(.v2MalformedTLV) }
            default:
                self.tlvValueRemaining |= Int(byte)
                guard self.tlvValueRemaining <= self.tlvRemaining,
                    ProxyHeaderParser.isFramable(self.tlvRemaining - self.tlvValueRemaining),
                    !self.isChecksumTLV || self.tlvValueRemaining == 4
                else {
                    return .fail(.v2MalformedTLV)
                }
            }
            self.tlvHeaderIndex += 1
            guard self.tlvHeaderIndex == ProxyProtocolWire.v2TLVHeaderLength else { return .more }
            if self.isChecksumTLV { self.expectedChecksum = 0 }
            return self.tlvValueRemaining == 0 ? self.endTLV() : .more
        }
        if self.isChecksumTLV {
            // The checksum covers the header with its own value zeroed (RFC 4960 Appendix B procedure).
            self.expectedChecksum = (self.expectedChecksum ?? 0) << 8 | UInt32(byte)
            self.checksum.update(0)
        } else {
            self.checksum.update(byte)
        }
        self.tlvValueRemaining -= 1
        return self.tlvValueRemaining == 0 ? self.endTLV() : .more
    }

    /// Whether `count` bytes can be exactly covered by TLVs: none at all, or at least one TLV header.
    private static func isFramable(_ count: Int) -> Bool {
        count == 0 || count >= ProxyProtocolWire.v2TLVHeaderLength
    }

    private var isChecksumTLV: Bool { self.tlvType == ProxyProtocolWire.v2TLVTypeCRC32C }

    private mutating func endTLV() -> Step {
        if self.tlvRemaining == 0 { return self.finishV2() }
        guard self.tlvRemaining >= ProxyProtocolWire.v2TLVHeaderLength else { return .fail(.v2MalformedTLV) }
        self.tlvHeaderIndex = 0
        return .more
    }

    private func finishV2() -> Step {
        if let expectedChecksum = self.expectedChecksum, expectedChecksum != self.checksum.value {
            return .fail(.v2ChecksumMismatch)
        }
        return .done
    }

    private var v2Header: ProxyHeader {
        guard self.v2Command == .proxy else { return .local(.v2) }
        let transport: ProxyHeader.Transport
        let source: IPAddress
        let destination: IPAddress
        switch self.v2Family {
        case ProxyProtocolWire.v2FamilyTCP4, ProxyProtocolWire.v2FamilyUDP4:
            transport = self.v2Family == ProxyProtocolWire.v2FamilyTCP4 ? .stream : .datagram
            source = .v4(UInt32(truncatingIfNeeded: self.v2SourceBits))
            destination = .v4(UInt32(truncatingIfNeeded: self.v2DestinationBits))
        case ProxyProtocolWire.v2FamilyTCP6, ProxyProtocolWire.v2FamilyUDP6:
            transport = self.v2Family == ProxyProtocolWire.v2FamilyTCP6 ? .stream : .datagram
            source = .v6(
                high: UInt64(truncatingIfNeeded: self.v2SourceBits >> 64),
                low: UInt64(truncatingIfNeeded: self.v2SourceBits)
            )
            destination = .v6(
                high: UInt64(truncatingIfNeeded: self.v2DestinationBits >> 64),
                low: UInt64(truncatingIfNeeded: self.v2DestinationBits)
            )
        default:
            return .unknown(.v2)
        }
        return .proxy(
            .v2,
            transport: transport,
            source: IPEndpoint(address: source, port: UInt16(truncatingIfNeeded: self.v2Ports >> 16)),
            destination: IPEndpoint(address: destination, port: UInt16(truncatingIfNeeded: self.v2Ports))
        )
    }
}
