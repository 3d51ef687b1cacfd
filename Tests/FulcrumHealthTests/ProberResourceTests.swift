import FulcrumTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import FulcrumHealth

/// Probes never leak sockets. Other suites run in parallel in this process and open fds of their own, so the
/// count is compared within a margin far below the number of probes (a leak of one fd per probe would show).
@Suite(.serialized) struct ProberResourceTests {
    func openFileDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    @Test func manyProbesLeaveNoSocketsOpen() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/fd") else { return }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let tcp = try await TCPTestServer.start(behavior: .replyOn(trigger: Array("PING"), reply: Array("PONG")))
        let silent = try await TCPTestServer.start(behavior: .silent)
        let udp = try await UDPTestServer.start(behavior: .echo)
        let refused = try await closedPort()
        // Warm up: lazily created NIO resources (selector wakeups, timers) should not count as leaks.
        _ = try await TCPProber.probe(ProbeRequest(endpoint: tcp.endpoint, timeout: .seconds(1)), on: loop).get()

        let before = try self.openFileDescriptors()
        let rounds = 60
        for _ in 0..<rounds {
            let probes = [
                TCPProber.probe(ProbeRequest(endpoint: tcp.endpoint, timeout: .seconds(2)), on: loop),
                TCPProber.probe(
                    ProbeRequest(
                        endpoint: tcp.endpoint,
                        timeout: .seconds(2),
                        send: Array("PING"),
                        expect: Array("PONG")
                    ),
                    on: loop
                ),
                TCPProber.probe(ProbeRequest(endpoint: loopback(refused), timeout: .seconds(2)), on: loop),
                TCPProber.probe(
                    ProbeRequest(endpoint: silent.endpoint, timeout: .milliseconds(20), expect: Array("PONG")),
                    on: loop
                ),
                UDPProber.probe(
                    ProbeRequest(endpoint: udp.endpoint, timeout: .seconds(2), send: Array("x"), expect: Array("x")),
                    on: loop
                ),
                UDPProber.probe(
                    ProbeRequest(endpoint: loopback(refused), timeout: .seconds(2), send: Array("x")),
                    on: loop
                ),
            ]
            for probe in probes {
                _ = try await probe.get()
            }
        }
        // Closes complete asynchronously on the loop; the servers' ends close when they see the reset.
        let settled = await eventually(timeout: .seconds(10)) {
            ((try? self.openFileDescriptors()) ?? .max) <= before + 30
        }
        let after = try self.openFileDescriptors()
        #expect(settled, "fds before \(before), after \(after) for \(rounds * 6) probes")
        try await tcp.close()
        try await silent.close()
        try await udp.close()
    }
}
