import FulcrumDNS
import FulcrumNet
import Testing

@Suite("DNS answer interpretation")
struct DNSAnswerTests {
    static let aQuery = DNSQuery(id: 0x1234, name: name("db.internal"), type: .a)

    /// A NOERROR response to `query` with the given sections.
    static func response(
        to query: DNSQuery,
        responseCode: UInt8 = 0,
        answers: [DNSResourceRecord] = [],
        authority: [DNSResourceRecord] = [],
        additional: [DNSResourceRecord] = []
    ) -> DNSMessage {
        DNSMessage(
            header: responseHeader(id: query.id, responseCode: responseCode),
            questions: [query.question],
            answers: answers,
            authority: authority,
            additional: additional
        )
    }

    @Test("Two addresses; the answer's TTL is the least of them")
    func twoAddresses() throws {
        let answer = interpret(try parse(DNSResponseSamples.twoAddresses), Self.aQuery)
        let expected = DNSResolvedRecords(
            addresses: [address("10.0.0.1"), address("10.0.0.2")],
            ttl: 30,
            canonicalName: name("db.internal")
        )
        #expect(answer == .success(.records(expected)))
    }

    @Test("AAAA")
    func ipv6() throws {
        let query = DNSQuery(id: 0xBEEF, name: name("db.internal"), type: .aaaa)
        let answer = interpret(try parse(DNSResponseSamples.oneIPv6Address), query)
        let expected = DNSResolvedRecords(
            addresses: [address("2001:db8::1")],
            ttl: 300,
            canonicalName: name("db.internal")
        )
        #expect(answer == .success(.records(expected)))
    }

    @Test("SRV with glue from the additional section; the glue's TTL counts")
    func servicesWithGlue() throws {
        let query = DNSQuery(id: 0x42, name: name("_pg._tcp.db.internal"), type: .srv)
        let answer = interpret(try parse(DNSResponseSamples.servicesWithGlue), query)
        let expected = DNSResolvedRecords(
            services: [
                DNSService(priority: 10, weight: 60, port: 5432, target: name("pg1.db.internal"), addresses: [
                    address("10.0.0.11")
                ]),
                DNSService(priority: 10, weight: 40, port: 5432, target: name("pg2.db.internal"), addresses: [
                    address("fd00::12")
                ]),
            ],
            ttl: 60,
            canonicalName: name("_pg._tcp.db.internal")
        )
        #expect(answer == .success(.records(expected)))
    }

    @Test("SRV without glue, glue matched ignoring case, duplicate records and addresses once, '.' targets left out")
    func servicesDetails() {
        let query = DNSQuery(id: 1, name: name("_pg._tcp.db.internal"), type: .srv)
        let response = Self.response(
            to: query,
            answers: [
                record("_pg._tcp.db.internal", ttl: 100, srv(0, 1, 5432, "PG1.db.internal")),
                record("_PG._tcp.db.internal", ttl: 100, srv(0, 1, 5432, "pg1.db.internal")),
                record("_pg._tcp.db.internal", ttl: 100, srv(1, 1, 6432, "pg2.db.internal")),
                record("_pg._tcp.db.internal", ttl: 5, srv(0, 0, 0, ".")),
                record("_other._tcp.db.internal", ttl: 1, srv(0, 0, 1, "other.db.internal")),
            ],
            additional: [
                record("pg1.DB.internal", ttl: 90, .a(address("10.0.0.1"))),
                record("pg1.db.internal", ttl: 80, .a(address("10.0.0.1"))),
                record("pg1.db.internal", ttl: 70, .aaaa(address("fd00::1"))),
                record("other.db.internal", ttl: 1, .a(address("10.9.9.9"))),
            ]
        )
        let expected = DNSResolvedRecords(
            services: [
                DNSService(
                    priority: 0,
                    weight: 1,
                    port: 5432,
                    target: name("PG1.db.internal"),
                    addresses: [address("10.0.0.1"), address("fd00::1")]
                ),
                DNSService(priority: 1, weight: 1, port: 6432, target: name("pg2.db.internal")),
            ],
            ttl: 70,
            canonicalName: name("_pg._tcp.db.internal")
        )
        #expect(interpret(response, query) == .success(.records(expected)))
    }

    @Test("SRV whose only target is '.': the service is not offered, NODATA for that record's TTL")
    func serviceNotOffered() {
        let query = DNSQuery(id: 1, name: name("_pg._tcp.db.internal"), type: .srv)
        let notOffered = record("_pg._tcp.db.internal", ttl: 45, srv(0, 0, 0, "."))
        let response = Self.response(to: query, answers: [notOffered])
        #expect(interpret(response, query) == .success(.noData(negativeTTL: 45)))
    }

    @Test("CNAME chain: the addresses of its last name; its TTL counts")
    func aliasChain() throws {
        let query = DNSQuery(id: 0x7777, name: name("www.example.com"), type: .a)
        let answer = interpret(try parse(DNSResponseSamples.aliasChain), query)
        let expected = DNSResolvedRecords(
            addresses: [address("192.0.2.10")],
            ttl: 60,
            canonicalName: name("lb.example.net")
        )
        #expect(answer == .success(.records(expected)))

        let shortAlias = Self.response(
            to: Self.aQuery,
            answers: [
                record("db.internal", ttl: 300, .a(address("10.0.0.99"))),  // not for the chain's end: ignored
                record("DB.internal", ttl: 20, .cname(name("real.internal"))),
                record("real.internal", ttl: 600, .a(address("10.0.0.1"))),
                record("real.internal", ttl: 600, .aaaa(address("fd00::1"))),  // not the type asked
                record("real.internal", ttl: 600, .a(address("10.0.0.1"))),  // the same address again
            ]
        )
        let expectedShort = DNSResolvedRecords(
            addresses: [address("10.0.0.1")],
            ttl: 20,
            canonicalName: name("real.internal")
        )
        #expect(interpret(shortAlias, Self.aQuery) == .success(.records(expectedShort)))
    }

    @Test("CNAME chains: 16 links are followed, 17 are refused, and loops end")
    func aliasChainLimits() {
        func chain(_ links: Int) -> [DNSResourceRecord] {
            let names = ["db.internal"] + (1...links).map { "alias\($0).internal" }
            return (0..<links).map { record(names[$0], .cname(name(names[$0 + 1]))) }
                + [record(names[links], .a(address("10.0.0.1")))]
        }
        let sixteen = Self.response(to: Self.aQuery, answers: chain(16))
        let atTheEnd = DNSResolvedRecords(
            addresses: [address("10.0.0.1")],
            ttl: 60,
            canonicalName: name("alias16.internal")
        )
        #expect(interpret(sixteen, Self.aQuery) == .success(.records(atTheEnd)))
        let seventeen = Self.response(to: Self.aQuery, answers: chain(17))
        #expect(interpret(seventeen, Self.aQuery) == .failure(.aliasChainTooLong))
        let loop = Self.response(
            to: Self.aQuery,
            answers: [
                record("db.internal", .cname(name("b.internal"))),
                record("b.internal", .cname(name("DB.internal"))),
            ]
        )
        #expect(interpret(loop, Self.aQuery) == .failure(.aliasChainTooLong))
        let selfLoop = Self.response(to: Self.aQuery, answers: [record("db.internal", .cname(name("db.internal")))])
        #expect(interpret(selfLoop, Self.aQuery) == .failure(.aliasChainTooLong))
    }

    @Test("NXDOMAIN with the zone's SOA: negative TTL min(SOA TTL, MINIMUM)")
    func nameError() throws {
        let query = DNSQuery(id: 0x0BAD, name: name("nope.example.com"), type: .a)
        let sample = try parse(DNSResponseSamples.nameErrorWithSOA)
        #expect(interpret(sample, query) == .success(.nxdomain(negativeTTL: 300)))
        let lowSOATTL = Self.response(
            to: query,
            responseCode: 3,
            authority: [record("example.com", ttl: 10, soa(zoneMinimum: 300))]
        )
        #expect(interpret(lowSOATTL, query) == .success(.nxdomain(negativeTTL: 10)))
        #expect(interpret(Self.response(to: query, responseCode: 3), query) == .success(.nxdomain(negativeTTL: nil)))
    }

    @Test("NXDOMAIN at the end of a CNAME chain: the alias's TTL bounds the negative TTL")
    func nameErrorAfterAlias() {
        let response = Self.response(
            to: Self.aQuery,
            responseCode: 3,
            answers: [record("db.internal", ttl: 30, .cname(name("gone.example.com")))],
            authority: [record("example.com", ttl: 3600, soa(zoneMinimum: 600))]
        )
        #expect(interpret(response, Self.aQuery) == .success(.nxdomain(negativeTTL: 30)))
    }

    @Test("NODATA: with the zone's SOA, without one, and with an SOA of an unrelated zone")
    func noData() {
        let inZone = Self.response(
            to: Self.aQuery,
            answers: [record("db.internal", .aaaa(address("fd00::1")))],
            authority: [record("internal", ttl: 900, soa(zoneMinimum: 60))]
        )
        #expect(interpret(inZone, Self.aQuery) == .success(.noData(negativeTTL: 60)))
        #expect(interpret(Self.response(to: Self.aQuery), Self.aQuery) == .success(.noData(negativeTTL: nil)))
        let otherZone = Self.response(to: Self.aQuery, authority: [record("example.com", soa(zoneMinimum: 60))])
        #expect(interpret(otherZone, Self.aQuery) == .success(.noData(negativeTTL: nil)))
        // A chain that ends at a name without addresses: NODATA for that name's zone.
        let aliasToNothing = Self.response(
            to: Self.aQuery,
            answers: [record("db.internal", ttl: 20, .cname(name("x.example.com")))],
            authority: [record("example.com", ttl: 100, soa(zoneMinimum: 50))]
        )
        #expect(interpret(aliasToNothing, Self.aQuery) == .success(.noData(negativeTTL: 20)))
    }

    @Test("TC set: ask again over TCP, with or without the question echoed")
    func truncated() throws {
        #expect(interpret(try parse(DNSResponseSamples.truncated), Self.aQuery) == .success(.truncated))
        let bare = DNSMessage(header: DNSHeader(id: 0x1234, isResponse: true, isTruncated: true))
        #expect(interpret(bare, Self.aQuery) == .success(.truncated))
    }

    @Test("SERVFAIL, REFUSED and other response codes are errors")
    func responseCodes() throws {
        let serverFailure = try parse(DNSResponseSamples.failure(responseCode: 2))
        #expect(interpret(serverFailure, Self.aQuery) == .failure(.serverFailure))
        #expect(interpret(try parse(DNSResponseSamples.failure(responseCode: 5)), Self.aQuery) == .failure(.refused))
        #expect(
            interpret(try parse(DNSResponseSamples.failure(responseCode: 4)), Self.aQuery)
                == .failure(.responseCode(.notImplemented))
        )
        var badVersion = Self.response(to: Self.aQuery)
        badVersion.edns = EDNSParameters(udpPayloadSize: 1232, extendedResponseCode: 1)
        #expect(interpret(badVersion, Self.aQuery) == .failure(.responseCode(.badVersion)))
        #expect(DNSResponseError.serverFailure.responseCode == .serverFailure)
        #expect(DNSResponseError.idMismatch.responseCode == nil)
    }

    @Test("FORMERR without a question (a server that predates EDNS) is reported as FORMERR")
    func formatErrorWithoutQuestion() {
        let bare = DNSMessage(header: responseHeader(id: 0x1234, responseCode: 1))
        #expect(interpret(bare, Self.aQuery) == .failure(.responseCode(.formatError)))
        let bareNoError = DNSMessage(header: responseHeader(id: 0x1234))
        #expect(interpret(bareNoError, Self.aQuery) == .failure(.questionMismatch))
        let bareNameError = DNSMessage(header: responseHeader(id: 0x1234, responseCode: 3))
        #expect(interpret(bareNameError, Self.aQuery) == .failure(.questionMismatch))
    }

    @Test("A response with another ID, however good otherwise, is refused")
    func idMismatch() throws {
        let query = DNSQuery(id: 0x1235, name: name("db.internal"), type: .a)
        #expect(interpret(try parse(DNSResponseSamples.twoAddresses), query) == .failure(.idMismatch))
        #expect(interpret(try parse(DNSResponseSamples.truncated), query) == .failure(.idMismatch))
    }

    @Test("A response to another question is refused; the name is compared ignoring case")
    func questionMismatch() throws {
        let response = try parse(DNSResponseSamples.twoAddresses)
        for other in [
            DNSQuery(id: 0x1234, name: name("db.internal2"), type: .a),
            DNSQuery(id: 0x1234, name: name("db.internal"), type: .aaaa),
        ] {
            #expect(interpret(response, other) == .failure(.questionMismatch))
        }
        let upperCase = DNSQuery(id: 0x1234, name: name("DB.INTERNAL."), type: .a)
        #expect(interpret(response, upperCase) != .failure(.questionMismatch))
        var otherClass = response
        otherClass.questions[0].classCode = 3
        #expect(interpret(otherClass, Self.aQuery) == .failure(.questionMismatch))
        var twoQuestions = response
        twoQuestions.questions.append(twoQuestions.questions[0])
        #expect(interpret(twoQuestions, Self.aQuery) == .failure(.questionMismatch))
    }

    @Test("A query, or another opcode, is not a response")
    func notAResponse() throws {
        var query = Self.aQuery.message
        #expect(interpret(query, Self.aQuery) == .failure(.notAResponse))
        query.header.isResponse = true
        query.header.opcode = 2
        #expect(interpret(query, Self.aQuery) == .failure(.notAResponse))
    }
}
