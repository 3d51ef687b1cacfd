import FulcrumDNS
import FulcrumNet
import Testing

@Suite("DNS message parsing")
struct DNSMessageParsingTests {
    @Test("A response with two addresses")
    func twoAddresses() throws {
        let message = try parse(DNSResponseSamples.twoAddresses)
        #expect(
            message.header
                == DNSHeader(id: 0x1234, isResponse: true, isRecursionDesired: true, isRecursionAvailable: true)
        )
        #expect(message.questions == [DNSQuestion(name: name("db.internal"), type: .a)])
        #expect(
            message.answers == [
                record("db.internal", ttl: 60, .a(address("10.0.0.1"))),
                record("db.internal", ttl: 30, .a(address("10.0.0.2"))),
            ]
        )
        #expect(message.authority.isEmpty && message.additional.isEmpty && message.edns == nil)
        #expect(message.responseCode == .noError)
    }

    @Test("AAAA with an OPT record: EDNS parameters, authoritative answer")
    func ipv6WithOPT() throws {
        let message = try parse(DNSResponseSamples.oneIPv6Address)
        #expect(message.header.isAuthoritativeAnswer)
        #expect(message.answers == [record("db.internal", ttl: 300, .aaaa(address("2001:db8::1")))])
        #expect(message.edns == EDNSParameters(udpPayloadSize: 1232))
        #expect(message.additional.isEmpty)
    }

    @Test("SRV with glue: targets decompressed through a pointer into the middle of the question's name")
    func servicesWithGlue() throws {
        let message = try parse(DNSResponseSamples.servicesWithGlue)
        #expect(message.questions == [DNSQuestion(name: name("_pg._tcp.db.internal"), type: .srv)])
        #expect(
            message.answers == [
                record("_pg._tcp.db.internal", ttl: 120, srv(10, 60, 5432, "pg1.db.internal")),
                record("_pg._tcp.db.internal", ttl: 120, srv(10, 40, 5432, "pg2.db.internal")),
            ]
        )
        #expect(
            message.additional == [
                record("pg1.db.internal", ttl: 60, .a(address("10.0.0.11"))),
                record("pg2.db.internal", ttl: 300, .aaaa(address("fd00::12"))),
            ]
        )
        #expect(message.edns?.udpPayloadSize == 1232)
    }

    @Test("CNAME chain: names compressed through pointers to names inside other records' data")
    func aliasChain() throws {
        let message = try parse(DNSResponseSamples.aliasChain)
        #expect(
            message.answers == [
                record("www.example.com", ttl: 300, .cname(name("web.example.com"))),
                record("web.example.com", ttl: 120, .cname(name("lb.example.net"))),
                record("lb.example.net", ttl: 60, .a(address("192.0.2.10"))),
            ]
        )
    }

    @Test("NXDOMAIN with the zone's SOA in the authority section")
    func nameErrorWithSOA() throws {
        let message = try parse(DNSResponseSamples.nameErrorWithSOA)
        #expect(message.responseCode == .nameError)
        #expect(message.answers.isEmpty)
        #expect(
            message.authority == [
                DNSResourceRecord(
                    name: name("example.com"),
                    ttl: 3600,
                    data: .soa(
                        DNSStartOfAuthority(
                            primaryServer: name("ns1.example.com"),
                            responsibleMailbox: name("hostmaster.example.com"),
                            serial: 2_023_968_117,
                            refresh: 7200,
                            retry: 3600,
                            expire: 1_209_600,
                            minimum: 300
                        )
                    )
                )
            ]
        )
    }

    @Test("Header flags: TC, response codes, AD and CD")
    func headerFlags() throws {
        #expect(try parse(DNSResponseSamples.truncated).header.isTruncated)
        #expect(try parse(DNSResponseSamples.failure(responseCode: 2)).responseCode == .serverFailure)
        #expect(try parse(DNSResponseSamples.failure(responseCode: 5)).responseCode == .refused)
        let flags = try parse(hex("0001 FFFF 0000 0000 0000 0000")).header
        #expect(
            flags
                == DNSHeader(
                    id: 1,
                    isResponse: true,
                    opcode: 15,
                    isAuthoritativeAnswer: true,
                    isTruncated: true,
                    isRecursionDesired: true,
                    isRecursionAvailable: true,
                    isAuthenticData: true,
                    isCheckingDisabled: true,
                    responseCodeLowBits: 15
                )
        )
    }

    @Test("The OPT record's upper RCODE bits extend the header's: BADVERS is 16")
    func extendedResponseCode() throws {
        // Header RCODE 0, OPT extended RCODE 1: (1 << 4) | 0 = 16, BADVERS. Version 0, DO set.
        let message = try parse(hex("0001 8180 0000 0000 0000 0001  00 0029 0200 01008000 0000"))
        #expect(message.responseCode == .badVersion)
        #expect(message.edns == EDNSParameters(udpPayloadSize: 512, extendedResponseCode: 1, isDNSSECOK: true))
    }

    @Test("Records of other types and classes are skipped by RDLENGTH; OPT options are skipped")
    func skippedRecords() throws {
        let bytes = hex(
            """
            0001 8180 0000 0004 0000 0001
            00 0010 0001 00000001 0005 0474657874
            00 0001 0003 00000001 0004 01020304
            00 0002 0001 00000001 0002 C000
            00 0001 0001 00000005 0004 01020304
            00 0029 1000 00000000 0008 000A000401020304
            """
        )
        // TXT "text"; A in class CH; NS whose data is never looked at; A in class IN; OPT with a cookie option.
        let message = try parse(bytes)
        #expect(message.answers == [DNSResourceRecord(name: .root, ttl: 5, data: .a(address("1.2.3.4")))])
        #expect(message.edns == EDNSParameters(udpPayloadSize: 4096))
    }

    @Test("A TTL with the top bit set reads as 0 (RFC 2181 §8); 2^31 - 1 stays")
    func topBitTTL() throws {
        let bytes = hex(
            """
            0001 8180 0000 0002 0000 0000
            00 0001 0001 80000000 0004 01020304
            00 0001 0001 7FFFFFFF 0004 01020305
            """
        )
        #expect(try parse(bytes).answers.map(\.ttl) == [0, 0x7FFF_FFFF])
    }

    @Test("Bytes after the last record are ignored")
    func trailingBytes() throws {
        #expect(
            try parse(DNSResponseSamples.twoAddresses + [0, 1, 2])
                == parse(DNSResponseSamples.twoAddresses)
        )
    }

    @Test("Wire names keep any byte: equality folds letters only, description escapes")
    func binaryLabels() throws {
        // Owners "[.x" (a literal dot inside the label), "{", "[" ("{" and "[" differ by the case bit but are not
        // letters), "A\xFF" and "a\xFF".
        let bytes = hex(
            """
            0001 8180 0000 0005 0000 0000
            03 5B2E78 00  0001 0001 00000001 0004 01020304
            01 7B 00      0001 0001 00000001 0004 01020304
            01 5B 00      0001 0001 00000001 0004 01020304
            02 41FF 00    0001 0001 00000001 0004 01020304
            02 61FF 00    0001 0001 00000001 0004 01020304
            """
        )
        let owners = try parse(bytes).answers.map(\.name)
        #expect(owners.map(\.description) == ["[\\.x", "{", "[", "A\\255", "a\\255"])
        #expect(owners[1] != owners[2])
        #expect(owners[3] == owners[4])
        #expect(owners[0].labelCount == 1)
    }

    @Test("Every sample reads back the same after encoding and after compressing")
    func roundTrip() throws {
        for bytes in DNSResponseSamples.all {
            let message = try parse(bytes)
            #expect(try parse(message.encoded()) == message)
            #expect(try parse(CompressingEncoder.encode(message)) == message)
        }
    }
}
