/// A query for one question, as a resolver sends it (RFC 1035 §4.1): the caller's ID, recursion desired, class IN,
/// and by default an EDNS(0) OPT record advertising a 1232-byte UDP payload.
///
/// 1232 bytes is the size the DNS Flag Day 2020 settled on: it fits the IPv6 minimum MTU of 1280 less the IPv6 and
/// UDP headers, so answers are not fragmented; a larger answer comes with TC set and is fetched over TCP.
public struct DNSQuery: Hashable, Sendable {
    /// The UDP payload size the OPT record advertises.
    public static let advertisedUDPPayloadSize: UInt16 = 1232

    /// Chosen at random for each query by the caller (RFC 5452 §9.2), so that a forged response must guess it.
    public var id: UInt16
    public var question: DNSQuestion
    /// Whether to add the OPT record. A server that predates EDNS may answer FORMERR to it; ask again without
    /// (RFC 6891 §7).
    public var advertisesEDNS: Bool

    public init(id: UInt16, name: DNSName, type: DNSRecordType, advertisesEDNS: Bool = true) {
        self.id = id
        self.question = DNSQuestion(name: name, type: type)
        self.advertisesEDNS = advertisesEDNS
    }

    /// The query as a message.
    public var message: DNSMessage {
        DNSMessage(
            header: DNSHeader(id: self.id, isRecursionDesired: true),
            questions: [self.question],
            edns: self.advertisesEDNS ? EDNSParameters(udpPayloadSize: DNSQuery.advertisedUDPPayloadSize) : nil
        )
    }

    /// The query on the wire, for a UDP datagram (for TCP, add `DNSTCPFraming.framed`).
    public func encoded() -> [UInt8] {
        self.message.encoded()
    }
}
