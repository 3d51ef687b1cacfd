/// A response code (RCODE): the header's 4 bits, extended to 12 by the 8 bits an OPT record carries (RFC 6891
/// §6.1.3). Open-ended: any value can be carried, the static members name the ones a resolver meets.
public struct DNSResponseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// NOERROR.
    public static let noError = DNSResponseCode(rawValue: 0)
    /// FORMERR: the server could not read the query. Servers without EDNS support may answer a query with an OPT
    /// record this way (RFC 6891 §7).
    public static let formatError = DNSResponseCode(rawValue: 1)
    /// SERVFAIL: the server could not answer (upstream unreachable, DNSSEC failure, ...).
    public static let serverFailure = DNSResponseCode(rawValue: 2)
    /// NXDOMAIN: the name does not exist (RFC 1035 calls it "Name Error").
    public static let nameError = DNSResponseCode(rawValue: 3)
    /// NOTIMP: the server does not support this kind of query.
    public static let notImplemented = DNSResponseCode(rawValue: 4)
    /// REFUSED: the server will not answer this client (policy, no recursion for it, ...).
    public static let refused = DNSResponseCode(rawValue: 5)
    /// BADVERS: the server does not support the EDNS version asked for (RFC 6891 §6.1.3); 12 bits, so it exists only
    /// with an OPT record.
    public static let badVersion = DNSResponseCode(rawValue: 16)

    /// The mnemonic as `dig` prints it, or `RCODEnnn` for the others.
    public var description: String {
        switch self {
        case .noError: return "NOERROR"
        case .formatError: return "FORMERR"
        case .serverFailure: return "SERVFAIL"
        case .nameError: return "NXDOMAIN"
        case .notImplemented: return "NOTIMP"
        case .refused: return "REFUSED"
        case .badVersion: return "BADVERS"
        default: return "RCODE\(self.rawValue)"
        }
    }
}
