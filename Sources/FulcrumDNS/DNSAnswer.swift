import FulcrumNet

/// What a response says about the question asked, in the terms a resolver acts on. Built by
/// `DNSAnswer(interpreting:to:)`.
public enum DNSAnswer: Hashable, Sendable {
    /// The name has records of the type asked (after following CNAMEs).
    case records(DNSResolvedRecords)
    /// NOERROR without records of the type asked (NODATA, RFC 2308 §2.2). `negativeTTL` is how long to wait
    /// before asking again: min(SOA TTL, SOA MINIMUM) of the zone's SOA in the authority section (RFC 2308 §5), or
    /// `nil` when the response has none.
    case noData(negativeTTL: UInt32?)
    /// NXDOMAIN: the name (or the end of its CNAME chain) does not exist. `negativeTTL` as for `noData`.
    case nxdomain(negativeTTL: UInt32?)
    /// TC set: the response did not fit in the datagram; ask again over TCP (RFC 7766 §5). Nothing else in it is
    /// used.
    case truncated
}

/// The records that answer a question: addresses for A and AAAA questions, service locations for SRV questions.
public struct DNSResolvedRecords: Hashable, Sendable {
    /// For A and AAAA: each address once, in the order of the response.
    public var addresses: [IPAddress]
    /// For SRV: each distinct record once, in the order of the response, less those whose target is `.`.
    public var services: [DNSService]
    /// Seconds until the answer should be asked again: the least TTL of the records it was built from (CNAMEs and
    /// glue included).
    public var ttl: UInt32
    /// The name the records belong to: the question's name, or the end of the CNAME chain it led to.
    public var canonicalName: DNSName

    public init(addresses: [IPAddress] = [], services: [DNSService] = [], ttl: UInt32, canonicalName: DNSName) {
        self.addresses = addresses
        self.services = services
        self.ttl = ttl
        self.canonicalName = canonicalName
    }
}

/// One SRV record's service location, with the target's addresses when the response carried them.
public struct DNSService: Hashable, Sendable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DNSName
    /// The A and AAAA records for `target` in the additional section, each address once. Empty when the server
    /// sent none: then the target has to be asked for.
    public var addresses: [IPAddress]

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName, addresses: [IPAddress] = []) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
        self.addresses = addresses
    }
}
