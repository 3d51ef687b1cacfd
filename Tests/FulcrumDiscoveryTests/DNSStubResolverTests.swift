import FulcrumDNS
import FulcrumNet
import FulcrumTestSupport
import Logging
import NIOPosix
import Synchronization
import Testing

@testable import FulcrumDiscovery

/// The query loop against fake servers that misbehave on demand (what dnsmasq cannot be made to do): forged and
/// stray datagrams, FORMERR to EDNS, SERVFAIL, silence. dnsmasq covers the rest (DNSDiscoverySourceTests).
@Suite struct DNSStubResolverTests {
    static let name = try! DNSName("web.test")

    func resolver(
        _ servers: [IPEndpoint],
        timeout: Duration = .seconds(5),
        attempts: Int = 1,
        makeQueryID: @escaping @Sendable () -> UInt16 = { UInt16.random(in: .min ... .max) }
    ) -> DNSStubResolver {
        DNSStubResolver(
            servers: servers,
            policy: DNSQueryPolicy(timeout: timeout, attempts: attempts),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            makeQueryID: makeQueryID,
            logger: Logger(label: "test")
        )
    }

    static func addresses(_ answer: DNSAnswer) -> [IPAddress] {
        guard case .records(let records) = answer else { return [] }
        return records.addresses
    }

    @Test func ignoresDatagramsThatDoNotAnswerTheQueryAndTakesTheOneThatDoes() async throws {
        let server = try await FakeDNSResponder.start { query in
            let otherQuestion = DNSQuestion(name: try! DNSName("other.test"), type: .a)
            return [
                Array("not DNS at all".utf8),
                FakeDNSResponder.response(to: query, id: query.header.id &+ 1, addresses: [.v4(0x0A00_0063)]),
                FakeDNSResponder.response(to: query, question: otherQuestion, addresses: [.v4(0x0A00_0062)]),
                FakeDNSResponder.response(to: query, addresses: [.v4(0x0A00_0001)]),
            ]
        }
        let answer = try await self.resolver([server.endpoint]).resolve(Self.name, .a)
        #expect(Self.addresses(answer) == [.v4(0x0A00_0001)])
        await server.stop()
    }

    @Test func onlyStrayDatagramsEndInATimeoutThatSaysWhyTheyWereIgnored() async throws {
        let server = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, id: query.header.id &+ 1, addresses: [.v4(0x0A00_0063)])]
        }
        let resolver = self.resolver([server.endpoint], timeout: .milliseconds(300))
        let error = await #expect(throws: DNSResolutionFailure.self) { try await resolver.resolve(Self.name, .a) }
        let ignored = "ignored a reply: \(DNSResponseError.idMismatch)"
        #expect(error?.description == "web.test A: \(server.endpoint) did not answer within 300 ms (\(ignored))")
        await server.stop()
    }

    @Test func sendsTheIDsOfTheInjectedGenerator() async throws {
        let server = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, addresses: [.v4(0x0A00_0001)])]
        }
        let ids = Mutex<[UInt16]>([0xBEEF, 0x1234])
        let resolver = self.resolver([server.endpoint]) { ids.withLock { $0.removeFirst() } }
        _ = try await resolver.resolve(Self.name, .a)
        _ = try await resolver.resolve(Self.name, .aaaa)
        #expect(server.queries.map(\.header.id) == [0xBEEF, 0x1234])
        #expect(server.queries.map { $0.questions[0].type } == [.a, .aaaa])
        await server.stop()
    }

    @Test func asksAgainWithoutEDNSWhenTheServerAnswersFormerrToIt() async throws {
        let server = try await FakeDNSResponder.start { query in
            if query.edns != nil { return [FakeDNSResponder.response(to: query, code: .formatError)] }
            return [FakeDNSResponder.response(to: query, addresses: [.v4(0x0A00_0001)])]
        }
        let answer = try await self.resolver([server.endpoint]).resolve(Self.name, .a)
        #expect(Self.addresses(answer) == [.v4(0x0A00_0001)])
        #expect(server.queries.map { $0.edns != nil } == [true, false])
        await server.stop()
    }

    @Test func formerrWithoutEDNSIsAFailure() async throws {
        let server = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, code: .formatError)]
        }
        let resolver = self.resolver([server.endpoint])
        let error = await #expect(throws: DNSResolutionFailure.self) { try await resolver.resolve(Self.name, .a) }
        #expect(error?.description == "web.test A: \(server.endpoint) answered FORMERR")
        // Once with EDNS, once without: not a third time.
        #expect(server.queries.count == 2)
        await server.stop()
    }

    @Test func servfailAndSilencePassToTheNextServer() async throws {
        let failing = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, code: .serverFailure)]
        }
        let silent = try await FakeDNSResponder.start { _ in [] }
        let answering = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, addresses: [.v4(0x0A00_0001)])]
        }
        let resolver = self.resolver(
            [failing.endpoint, silent.endpoint, answering.endpoint],
            timeout: .milliseconds(300)
        )
        let answer = try await resolver.resolve(Self.name, .a)
        #expect(Self.addresses(answer) == [.v4(0x0A00_0001)])
        #expect(failing.queries.count == 1 && silent.queries.count == 1 && answering.queries.count == 1)
        for server in [failing, silent, answering] { await server.stop() }
    }

    @Test func aQueryFailsOnlyAfterEveryServerFailedInEveryRound() async throws {
        let failing = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, code: .serverFailure)]
        }
        let refusing = try await FakeDNSResponder.start { query in
            [FakeDNSResponder.response(to: query, code: .refused)]
        }
        let resolver = self.resolver([failing.endpoint, refusing.endpoint], attempts: 2)
        let error = await #expect(throws: DNSResolutionFailure.self) { try await resolver.resolve(Self.name, .aaaa) }
        #expect(
            error?.description
                == "web.test AAAA: \(failing.endpoint) answered SERVFAIL; \(refusing.endpoint) answered REFUSED"
        )
        #expect(failing.queries.count == 2 && refusing.queries.count == 2)
        await failing.stop()
        await refusing.stop()
    }

    @Test func aPortNothingListensOnFailsAtOnceAsRefused() async throws {
        let port = freeLoopbackPort()
        let resolver = self.resolver([IPEndpoint(address: .v4(0x7F00_0001), port: port)], timeout: .seconds(30))
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: DNSResolutionFailure.self) { try await resolver.resolve(Self.name, .a) }
        #expect(error?.description == "web.test A: 127.0.0.1:\(port) refused the connection (nothing listens there)")
        // The ICMP error ends the wait, not the 30 s timeout.
        #expect(clock.now - start < .seconds(10))
    }
}
