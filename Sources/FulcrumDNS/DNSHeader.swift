/// The fixed 12-byte header of a DNS message (RFC 1035 §4.1.1) less its four counts, which belong to the sections
/// they count.
public struct DNSHeader: Hashable, Sendable {
    /// Chosen by the asker, copied into the response: ties a response to its query (RFC 5452 §4.3).
    public var id: UInt16
    /// QR: a response rather than a query.
    public var isResponse: Bool
    /// OPCODE (4 bits): 0 for a standard query.
    public var opcode: UInt8
    /// AA: the answer comes from a server authoritative for the name.
    public var isAuthoritativeAnswer: Bool
    /// TC: the message was cut to fit a UDP datagram; ask again over TCP (RFC 7766 §5).
    public var isTruncated: Bool
    /// RD: the asker wants the server to resolve recursively.
    public var isRecursionDesired: Bool
    /// RA: the server resolves recursively.
    public var isRecursionAvailable: Bool
    /// AD: the server validated the answer with DNSSEC (RFC 4035 §3.2.3).
    public var isAuthenticData: Bool
    /// CD: the asker does not want the server to check DNSSEC (RFC 4035 §3.2.2).
    public var isCheckingDisabled: Bool
    /// The header's 4 RCODE bits only; `DNSMessage.responseCode` adds the OPT record's 8 upper bits.
    public var responseCodeLowBits: UInt8

    public init(
        id: UInt16,
        isResponse: Bool = false,
        opcode: UInt8 = 0,
        isAuthoritativeAnswer: Bool = false,
        isTruncated: Bool = false,
        isRecursionDesired: Bool = false,
        isRecursionAvailable: Bool = false,
        isAuthenticData: Bool = false,
        isCheckingDisabled: Bool = false,
        responseCodeLowBits: UInt8 = 0
    ) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode & 0x0F
        self.isAuthoritativeAnswer = isAuthoritativeAnswer
        self.isTruncated = isTruncated
        self.isRecursionDesired = isRecursionDesired
        self.isRecursionAvailable = isRecursionAvailable
        self.isAuthenticData = isAuthenticData
        self.isCheckingDisabled = isCheckingDisabled
        self.responseCodeLowBits = responseCodeLowBits & 0x0F
    }

    /// From the ID and the 16 flag bits as they are on the wire. The Z bit (0x0040) is reserved and dropped.
    init(id: UInt16, flags: UInt16) {
        self.init(
            id: id,
            isResponse: flags & 0x8000 != 0,
            opcode: UInt8(truncatingIfNeeded: flags >> 11),
            isAuthoritativeAnswer: flags & 0x0400 != 0,
            isTruncated: flags & 0x0200 != 0,
            isRecursionDesired: flags & 0x0100 != 0,
            isRecursionAvailable: flags & 0x0080 != 0,
            isAuthenticData: flags & 0x0020 != 0,
            isCheckingDisabled: flags & 0x0010 != 0,
            responseCodeLowBits: UInt8(truncatingIfNeeded: flags)
        )
    }

    /// The 16 flag bits as they go on the wire.
    var flags: UInt16 {
        var flags = UInt16(self.opcode & 0x0F) << 11 | UInt16(self.responseCodeLowBits & 0x0F)
        if self.isResponse { flags |= 0x8000 }
        if self.isAuthoritativeAnswer { flags |= 0x0400 }
        if self.isTruncated { flags |= 0x0200 }
        if self.isRecursionDesired { flags |= 0x0100 }
        if self.isRecursionAvailable { flags |= 0x0080 }
        if self.isAuthenticData { flags |= 0x0020 }
        if self.isCheckingDisabled { flags |= 0x0010 }
        return flags
    }
}
