import FulcrumTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import FulcrumHealth

@Suite struct UDPProberTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    func probe(_ request: ProbeRequest) async throws -> ProbeResult {
        try await UDPProber.probe(request, on: self.loop).get()
    }

    @Test func silenceWithoutExpectIsSuccess() async throws {
        let server = try await UDPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .milliseconds(300), send: Array("ping"))
        #expect(try await self.probe(request) == .success)
        #expect(await eventually(timeout: .seconds(10)) { server.receivedBytes == Array("ping") })
    }

    @Test func replyWithoutExpectIsSuccess() async throws {
        let server = try await UDPTestServer.start(behavior: .echo)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), send: Array("ping"))
        #expect(try await self.probe(request) == .success)
    }

    @Test func closedPortIsRefused() async throws {
        let endpoint = loopback(try await closedPort())
        // Without expect only an ICMP error fails the check: the timeout is long so a success would be slow.
        let request = ProbeRequest(endpoint: endpoint, timeout: .seconds(5), send: Array("ping"))
        #expect(try await self.probe(request) == .failure(.connectRefused))
    }

    @Test func expectedReplyPasses() async throws {
        let server = try await UDPTestServer.start(behavior: .reply(Array("pong v1")))
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .seconds(10),
            send: Array("ping"),
            expect: Array("pong")
        )
        #expect(try await self.probe(request) == .success)
    }

    @Test func wrongFirstReplyFails() async throws {
        let server = try await UDPTestServer.start(behavior: .reply(Array("nope")))
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .seconds(10),
            send: Array("ping"),
            expect: Array("pong")
        )
        #expect(try await self.probe(request) == .failure(.unexpectedReply))
    }

    @Test func silenceWithExpectTimesOut() async throws {
        let server = try await UDPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .milliseconds(300),
            send: Array("ping"),
            expect: Array("pong")
        )
        #expect(try await self.probe(request) == .failure(.timeout))
    }

    @Test func proxyV2LocalHeaderPrefixesTheDatagram() async throws {
        let server = try await UDPTestServer.start(behavior: .echo)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .seconds(10),
            send: Array("ping"),
            expect: Array("ping"),
            proxyV2Local: true
        )
        #expect(try await self.probe(request) == .success)
        #expect(server.receivedBytes == ProxyV2LocalHeader.bytes + Array("ping"))
    }

    @Test func healthProberDispatchesUDP() async throws {
        let server = try await UDPTestServer.start(behavior: .reply(Array("PONG")))
        defer { Task { try? await server.close() } }
        let spec = HealthCheckSpec(transport: .udp, timeout: .seconds(10), send: Array("PING"), expect: Array("PONG"))
        #expect(try await HealthProber.probe(spec, backend: server.endpoint, on: self.loop).get() == .success)
        #expect(server.datagramCount == 1)
    }
}
