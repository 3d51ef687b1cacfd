/// A resource record type (the TYPE and QTYPE fields, RFC 1035 §3.2.2). Open-ended: any value can be carried, the
/// static members name the ones this module reads.
public struct DNSRecordType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// An IPv4 address (RFC 1035 §3.4.1).
    public static let a = DNSRecordType(rawValue: 1)
    /// An alias: the owner name is another name for the target (RFC 1035 §3.3.1).
    public static let cname = DNSRecordType(rawValue: 5)
    /// Start of a zone of authority; in a negative answer, how long the absence may be cached (RFC 2308 §5).
    public static let soa = DNSRecordType(rawValue: 6)
    /// An IPv6 address (RFC 3596 §2.1).
    public static let aaaa = DNSRecordType(rawValue: 28)
    /// A service location: priority, weight, port and target host (RFC 2782).
    public static let srv = DNSRecordType(rawValue: 33)
    /// The EDNS(0) pseudo-record (RFC 6891 §6.1).
    public static let opt = DNSRecordType(rawValue: 41)

    /// The mnemonic, or `TYPEnnn` for the others (RFC 3597 §5).
    public var description: String {
        switch self {
        case .a: return "A"
        case .cname: return "CNAME"
        case .soa: return "SOA"
        case .aaaa: return "AAAA"
        case .srv: return "SRV"
        case .opt: return "OPT"
        default: return "TYPE\(self.rawValue)"
        }
    }
}
