import FulcrumDNS
import Testing

@Suite("DNS query encoding")
struct DNSQueryEncodingTests {
    /// The header every query with an OPT record starts with, after its ID (RFC 1035 §4.1.1).
    static let queryFlagsAndCounts = hex(
        """
        0100  flags: QR=0 query, OPCODE=0 QUERY, AA=0, TC=0, RD=1; RA=0, Z=0, AD=0, CD=0, RCODE=0
        0001  QDCOUNT: one question
        0000  ANCOUNT
        0000  NSCOUNT
        0001  ARCOUNT: the OPT record
        """.split(separator: "\n").map { $0.prefix(4) }.joined()
    )

    /// The OPT pseudo-record (RFC 6891 §6.1.2), the same in every query.
    static let optRecord = hex(
        """
        00        NAME: the root
        0029      TYPE: 41, OPT
        04D0      CLASS: UDP payload size 1232
        00000000  TTL: extended RCODE 0, VERSION 0, DO=0, Z=0
        0000      RDLENGTH: no options
        """.split(separator: "\n").map { $0.split(separator: " ")[0] }.joined()
    )

    @Test("A query for db.internal, byte for byte")
    func aQuery() throws {
        let query = DNSQuery(id: 0x1234, name: try DNSName("db.internal"), type: .a)
        let expected =
            hex("1234")  // ID
            + Self.queryFlagsAndCounts
            + hex("02 6462")  // label "db"
            + hex("08 696E7465726E616C")  // label "internal"
            + hex("00")  // the root: end of the name
            + hex("0001")  // QTYPE: A
            + hex("0001")  // QCLASS: IN
            + Self.optRecord
        #expect(query.encoded() == expected)
        #expect(expected.count == 12 + 13 + 4 + 11)
    }

    @Test("AAAA query with a trailing dot in the name: the same name")
    func aaaaQuery() throws {
        let query = DNSQuery(id: 0xBEEF, name: try DNSName("db.internal."), type: .aaaa)
        let expected =
            hex("BEEF") + Self.queryFlagsAndCounts
            + hex("02 6462  08 696E7465726E616C  00")
            + hex("001C")  // QTYPE: AAAA, 28
            + hex("0001") + Self.optRecord
        #expect(query.encoded() == expected)
    }

    @Test("SRV query for _pg._tcp.db.internal")
    func srvQuery() throws {
        let query = DNSQuery(id: 0, name: try DNSName("_pg._tcp.db.internal"), type: .srv)
        let expected =
            hex("0000") + Self.queryFlagsAndCounts
            + hex("03 5F7067")  // "_pg"
            + hex("04 5F746370")  // "_tcp"
            + hex("02 6462  08 696E7465726E616C  00")
            + hex("0021")  // QTYPE: SRV, 33
            + hex("0001") + Self.optRecord
        #expect(query.encoded() == expected)
    }

    @Test("Without EDNS: ARCOUNT 0 and no OPT record")
    func queryWithoutEDNS() throws {
        let query = DNSQuery(id: 0xFFFF, name: try DNSName("A.b"), type: .a, advertisesEDNS: false)
        let expected = hex(
            """
            FFFF 0100 0001 0000 0000 0000
            01 41  01 62  00
            0001 0001
            """
        )
        #expect(query.encoded() == expected)
    }

    @Test("The root name is a single zero byte")
    func rootQuery() {
        let query = DNSQuery(id: 7, name: .root, type: .soa, advertisesEDNS: false)
        #expect(query.encoded() == hex("0007 0100 0001 0000 0000 0000  00  0006 0001"))
    }

    @Test("The longest name, 255 bytes on the wire, encodes; the query parses back to itself")
    func longestName() throws {
        let text = [String](repeating: String(repeating: "a", count: 63), count: 3).joined(separator: ".")
            + "." + String(repeating: "b", count: 61)
        let query = DNSQuery(id: 9, name: try DNSName(text), type: .a)
        let bytes = query.encoded()
        #expect(bytes.count == 12 + 255 + 4 + 11)
        #expect(try DNSMessage(parsing: bytes) == query.message)
    }

    @Test("TCP framing: a 2-byte big-endian length before the message")
    func tcpFraming() throws {
        let message = DNSQuery(id: 0x1234, name: try DNSName("db.internal"), type: .a).encoded()
        let framed = DNSTCPFraming.framed(message)
        #expect(framed.prefix(2) == [0x00, 40])
        #expect(Array(framed.dropFirst(2)) == message)
        #expect(DNSTCPFraming.framed([]) == [0, 0])
        #expect(DNSTCPFraming.framed([UInt8](repeating: 1, count: 300)).prefix(2) == [0x01, 0x2C])
    }

    @Test("TCP framing: the first message is found only once all of it has arrived")
    func tcpFirstMessage() {
        let stream: [UInt8] = [0, 3, 0xA, 0xB, 0xC, 0, 1, 0xD]
        for count in 0..<5 {
            #expect(DNSTCPFraming.firstMessage(in: Array(stream.prefix(count))) == nil)
        }
        #expect(DNSTCPFraming.firstMessage(in: Array(stream.prefix(5))) == 2..<5)
        #expect(DNSTCPFraming.firstMessage(in: stream) == 2..<5)
        #expect(DNSTCPFraming.firstMessage(in: Array(stream[5...])) == 2..<3)
        #expect(DNSTCPFraming.firstMessage(in: [0, 0]) == 2..<2)
        #expect(DNSTCPFraming.firstMessage(in: [0xFF, 0xFF] + [UInt8](repeating: 0, count: 65534)) == nil)
        #expect(DNSTCPFraming.firstMessage(in: [0xFF, 0xFF] + [UInt8](repeating: 0, count: 65535)) == 2..<65537)
    }

    /// Queries captured from `dig @127.0.0.1 -p PORT NAME TYPE +noadflag +nocookie +bufsize=1232` (DiG 9.18.49,
    /// Debian 12) by a UDP socket standing in for the server; our encoding of the same question with dig's ID must be
    /// byte for byte the same.
    @Test(
        "The same bytes as dig sends",
        arguments: [
            (
                "db.internal", DNSRecordType.a,
                "1e6e0100000100000000000102646208696e7465726e616c000001000100002904d0000000000000"
            ),
            (
                "db.internal", .aaaa,
                "7bbe0100000100000000000102646208696e7465726e616c00001c000100002904d0000000000000"
            ),
            (
                "_pg._tcp.db.internal", .srv,
                "70d101000001000000000001035f7067045f74637002646208696e7465726e616c000021000100002904d0000000000000"
            ),
        ]
    )
    func sameAsDig(name text: String, type: DNSRecordType, captured: String) throws {
        let bytes = hex(captured)
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        #expect(DNSQuery(id: id, name: try DNSName(text), type: type).encoded() == bytes)
    }
}
