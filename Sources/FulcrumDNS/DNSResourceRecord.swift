import FulcrumNet

/// One resource record of a type this module reads (RFC 1035 §3.2.1, §4.1.3), class IN. The parser keeps A, AAAA,
/// CNAME, SRV and SOA records and skips the others by their RDLENGTH.
public struct DNSResourceRecord: Hashable, Sendable {
    /// The owner: the name the record is about.
    public var name: DNSName
    /// Seconds the record may be cached. Values with the top bit set were read as 0 (RFC 2181 §8).
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: DNSName, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.ttl = ttl
        self.data = data
    }

    public var type: DNSRecordType { self.data.type }
}

/// The RDATA of a record, decoded.
public enum DNSRecordData: Hashable, Sendable {
    /// An IPv4 address (type A); always `.v4`.
    case a(IPAddress)
    /// An IPv6 address (type AAAA); always `.v6`.
    case aaaa(IPAddress)
    /// The owner is an alias of `target`.
    case cname(DNSName)
    /// A service instance (RFC 2782): lower priority first; within a priority, weight shares the load; a target of
    /// `.` says the service is not offered.
    case srv(DNSServiceLocation)
    /// The start of a zone: in the authority section of a negative answer, it bounds how long the absence may be
    /// cached (RFC 2308 §5).
    case soa(DNSStartOfAuthority)

    public var type: DNSRecordType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .cname: return .cname
        case .srv: return .srv
        case .soa: return .soa
        }
    }
}

/// The RDATA of an SRV record (RFC 2782).
public struct DNSServiceLocation: Hashable, Sendable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DNSName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// The RDATA of an SOA record (RFC 1035 §3.3.13).
public struct DNSStartOfAuthority: Hashable, Sendable {
    public var primaryServer: DNSName
    public var responsibleMailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// Since RFC 2308 §4: the TTL of negative answers from the zone.
    public var minimum: UInt32

    public init(
        primaryServer: DNSName,
        responsibleMailbox: DNSName,
        serial: UInt32,
        refresh: UInt32,
        retry: UInt32,
        expire: UInt32,
        minimum: UInt32
    ) {
        self.primaryServer = primaryServer
        self.responsibleMailbox = responsibleMailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}
