/// Why bytes are not a well-formed DNS message. Compare against the static members; `description` reads as a
/// sentence for logs.
public struct DNSMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case headerTooShort
        case unexpectedEnd
        case recordDataBeyondEnd
        case invalidLabelLength
        case nameTooLong
        case pointerNotBackward
        case tooManyPointers
        case malformedRecordData
        case malformedOPT
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// Fewer than the 12 bytes of the header.
    public static let headerTooShort = DNSMessageError(.headerTooShort)
    /// A name, question or record header runs past the end, as when the counts promise more than the message holds.
    public static let unexpectedEnd = DNSMessageError(.unexpectedEnd)
    /// A record's RDLENGTH reaches past the end of the message.
    public static let recordDataBeyondEnd = DNSMessageError(.recordDataBeyondEnd)
    /// A length byte of 64...191: a label longer than 63 bytes, or a label type that is reserved or obsolete
    /// (RFC 6891 §5).
    public static let invalidLabelLength = DNSMessageError(.invalidLabelLength)
    /// A name longer than 255 bytes once decompressed.
    public static let nameTooLong = DNSMessageError(.nameTooLong)
    /// A compression pointer that does not point before the labels it ends (forward, to itself, or into a loop).
    public static let pointerNotBackward = DNSMessageError(.pointerNotBackward)
    /// A name that follows more compression pointers than a name can have labels.
    public static let tooManyPointers = DNSMessageError(.tooManyPointers)
    /// An RDATA that does not match its type: an A record that is not 4 bytes, an AAAA record that is not 16, a
    /// name in CNAME, SRV or SOA data that does not end exactly where the RDATA does.
    public static let malformedRecordData = DNSMessageError(.malformedRecordData)
    /// An OPT record not owned by the root, or more than one (RFC 6891 §6.1.1).
    public static let malformedOPT = DNSMessageError(.malformedOPT)

    public var description: String {
        switch self.code {
        case .headerTooShort: return "the DNS message is shorter than its 12-byte header"
        case .unexpectedEnd: return "the DNS message ends inside a name, question or record its counts announce"
        case .recordDataBeyondEnd: return "a DNS record's data length reaches past the end of the message"
        case .invalidLabelLength: return "a DNS name has a label longer than 63 bytes or of an unsupported type"
        case .nameTooLong: return "a DNS name is longer than 255 bytes once decompressed"
        case .pointerNotBackward: return "a DNS compression pointer does not point strictly backward"
        case .tooManyPointers: return "a DNS name follows too many compression pointers"
        case .malformedRecordData: return "a DNS record's data does not match its type"
        case .malformedOPT: return "a DNS message has an OPT record not owned by the root, or more than one"
        }
    }
}
