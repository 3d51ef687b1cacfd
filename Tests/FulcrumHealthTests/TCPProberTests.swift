import FulcrumNet
import FulcrumTestSupport
import NIOCore
import NIOPosix
import Testing

@testable import FulcrumHealth

@Suite struct TCPProberTests {
    let loop = MultiThreadedEventLoopGroup.singleton.next()

    func probe(_ request: ProbeRequest) async throws -> ProbeResult {
        try await TCPProber.probe(request, on: self.loop).get()
    }

    @Test func connectSucceeds() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        #expect(try await self.probe(ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10))) == .success)
        #expect(await eventually(timeout: .seconds(10)) { server.acceptedCount == 1 })
    }

    @Test func closedPortIsRefused() async throws {
        let port = try await closedPort()
        let result = try await self.probe(ProbeRequest(endpoint: loopback(port), timeout: .seconds(10)))
        #expect(result == .failure(.connectRefused))
    }

    @Test func silentServerTimesOutWhenAReplyIsExpected() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .milliseconds(300),
            send: Array("PING\r\n"),
            expect: Array("PONG")
        )
        #expect(try await self.probe(request) == .failure(.timeout))
        #expect(await eventually(timeout: .seconds(10)) { server.receivedBytes == Array("PING\r\n") })
    }

    @Test func wrongReplyIsUnexpected() async throws {
        let server = try await TCPTestServer.start(behavior: .write(segments: [Array("NOPE\r\n")], thenClose: true))
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), expect: Array("PONG"))
        #expect(try await self.probe(request) == .failure(.unexpectedReply))
    }

    @Test func closeWithoutReplyIsReported() async throws {
        let server = try await TCPTestServer.start(behavior: .closeAtOnce)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), expect: Array("PONG"))
        #expect(try await self.probe(request) == .failure(.closedWithoutReply))
    }

    @Test func expectAcrossSeveralSegments() async throws {
        let segments = ["+O", "K PO", "N", "G\r\n"].map { Array($0) }
        let server = try await TCPTestServer.start(behavior: .write(segments: segments, thenClose: false))
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), expect: Array("OK PONG"))
        #expect(try await self.probe(request) == .success)
    }

    @Test func sendThenExpect() async throws {
        let server = try await TCPTestServer.start(behavior: .replyOn(trigger: Array("PING"), reply: Array("PONG")))
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .seconds(10),
            send: Array("PING\r\n"),
            expect: Array("PONG")
        )
        #expect(try await self.probe(request) == .success)
    }

    @Test func sendWithoutExpectDeliversThePayload() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), send: Array("HELLO"))
        #expect(try await self.probe(request) == .success)
        #expect(await eventually(timeout: .seconds(10)) { server.receivedBytes == Array("HELLO") })
    }

    @Test func replyBeyondSixteenKiBFails() async throws {
        let filler = [UInt8](repeating: 0x78, count: 16 * 1024)
        let server = try await TCPTestServer.start(
            behavior: .write(segments: [filler, Array("PONG")], thenClose: false)
        )
        defer { Task { try? await server.close() } }
        // Fails on reaching the cap, long before the timeout.
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(30), expect: Array("PONG"))
        #expect(try await self.probe(request) == .failure(.unexpectedReply))
    }

    @Test func replyEndingAtSixteenKiBPasses() async throws {
        let filler = [UInt8](repeating: 0x78, count: 16 * 1024 - 4)
        let server = try await TCPTestServer.start(
            behavior: .write(segments: [filler, Array("PONG"), Array("tail")], thenClose: false)
        )
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), expect: Array("PONG"))
        #expect(try await self.probe(request) == .success)
    }

    @Test func proxyV2LocalHeaderPrecedesThePayload() async throws {
        let server = try await TCPTestServer.start(behavior: .replyOn(trigger: Array("PING"), reply: Array("PONG")))
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(
            endpoint: server.endpoint,
            timeout: .seconds(10),
            send: Array("PING"),
            expect: Array("PONG"),
            proxyV2Local: true
        )
        #expect(try await self.probe(request) == .success)
        let expected: [UInt8] =
            [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00]
            + Array("PING")
        #expect(server.receivedBytes == expected)
    }

    @Test func bareConnectCheckSendsNoProxyHeader() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let request = ProbeRequest(endpoint: server.endpoint, timeout: .seconds(10), proxyV2Local: true)
        #expect(try await self.probe(request) == .success)
        // The probe closed its connection: once the server saw the end, it has every byte the probe sent.
        #expect(await eventually(timeout: .seconds(10)) { server.endedCount == 1 })
        #expect(server.receivedBytes.isEmpty)
    }

    @Test func portOverrideProbesAnotherPort() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let refusedPort = try await closedPort()
        let spec = HealthCheckSpec(timeout: .seconds(10), port: server.port)
        let result = try await HealthProber.probe(spec, backend: loopback(refusedPort), on: self.loop).get()
        #expect(result == .success)
        let direct = HealthCheckSpec(timeout: .seconds(10))
        #expect(
            try await HealthProber.probe(direct, backend: loopback(refusedPort), on: self.loop).get()
                == .failure(.connectRefused)
        )
    }

    @Test func ipv6LoopbackWorks() async throws {
        let server: any Channel
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "::1", port: 0).get()
        } catch {
            return  // no IPv6 loopback on this host
        }
        defer { server.close(promise: nil) }
        let endpoint = IPEndpoint(address: IPAddress("::1")!, port: UInt16(server.localAddress!.port!))
        #expect(try await self.probe(ProbeRequest(endpoint: endpoint, timeout: .seconds(10))) == .success)
    }
}
