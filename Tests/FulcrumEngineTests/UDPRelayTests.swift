import FulcrumBalancing
@testable import FulcrumEngine
import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

@Suite("UDP relay on loopback")
struct UDPRelayTests {
    static let udp = ServiceSettings(transport: .udp, idleTimeout: .seconds(30))

    @Test("a datagram and its reply cross the balancer; the reply comes from the address the client sent to")
    func echo() throws {
        let backend = try UDPEchoServer(name: "a")
        let harness = try EngineHarness(backends: [backend.endpoint], settings: Self.udp)
        let client = try UDPTestSocket()
        try client.send("ping", to: harness.listener)
        let (reply, from) = try client.receive()
        #expect(String(decoding: reply, as: UTF8.self) == "a:ping")
        #expect(from == harness.listener)
        #expect(harness.service.stats.udpSessionsActive == 1)
        #expect(harness.backendStats(backend.endpoint).bytesIn == 4)
        #expect(eventually { harness.backendStats(backend.endpoint).bytesOut == 6 })
    }

    @Test("one flow sticks to one backend; different flows spread")
    func stickinessAndSpread() throws {
        let first = try UDPEchoServer(name: "1")
        let second = try UDPEchoServer(name: "2")
        let harness = try EngineHarness(backends: [first.endpoint, second.endpoint], settings: Self.udp)
        var backendsSeen: [String] = []
        for _ in 0..<4 {
            let client = try UDPTestSocket()
            var answers = Set<String>()
            for index in 0..<20 {
                try client.send("m\(index)", to: harness.listener)
                answers.insert(String(try client.receiveText().prefix(1)))
            }
            #expect(answers.count == 1, "a flow's datagrams all go to one backend")
            backendsSeen.append(answers.first!)
        }
        #expect(Set(backendsSeen) == ["1", "2"], "round robin over flows: \(backendsSeen)")
        #expect(harness.service.stats.udpSessionsActive == 4)
    }

    @Test("a session ends after idle_timeout without a datagram, and the gauge falls back")
    func idleExpiry() throws {
        let backend = try UDPEchoServer(name: "a")
        // Long enough that the session is still open when the gauge is read right after the reply, however loaded
        // the machine.
        let harness = try EngineHarness(
            backends: [backend.endpoint], settings: ServiceSettings(transport: .udp, idleTimeout: .seconds(2)))
        let client = try UDPTestSocket()
        try client.send("x", to: harness.listener)
        _ = try client.receive()
        #expect(harness.service.stats.udpSessionsActive == 1)
        #expect(eventually(timeout: .seconds(10)) { harness.service.stats.udpSessionsActive == 0 })
        let record = harness.records().first
        #expect(record?.end == .idleTimeout)
        #expect(record?.transport == .udp)
        #expect(record?.bytesIn == 1 && record?.bytesOut == 3)
        // The next datagram opens a new session.
        try client.send("y", to: harness.listener)
        #expect(try client.receiveText() == "a:y")
    }

    @Test("max_connections caps sessions: new flows over it are dropped and counted")
    func sessionCap() throws {
        let backend = try UDPEchoServer(name: "a")
        let harness = try EngineHarness(
            backends: [backend.endpoint],
            settings: ServiceSettings(transport: .udp, idleTimeout: .seconds(30), maxConnections: 2))
        let clients = try (0..<3).map { _ in try UDPTestSocket(timeout: .milliseconds(300)) }
        try clients[0].send("0", to: harness.listener)
        _ = try clients[0].receive()
        try clients[1].send("1", to: harness.listener)
        _ = try clients[1].receive()
        try clients[2].send("2", to: harness.listener)
        #expect(throws: TestSocketError.self) { try clients[2].receive() }
        #expect(harness.service.stats.rejected(.maxConnections) == 1)
        #expect(harness.service.stats.udpSessionsActive == 2)
        // Flows already admitted keep working.
        try clients[0].send("again", to: harness.listener)
        #expect(try clients[0].receiveText() == "a:again")
    }

    @Test("bursts from several clients are answered (at least 95 %)")
    func burst() throws {
        let first = try UDPEchoServer(name: "1")
        let second = try UDPEchoServer(name: "2")
        let harness = try EngineHarness(backends: [first.endpoint, second.endpoint], settings: Self.udp)
        let clients = try (0..<8).map { _ in try UDPTestSocket(timeout: .seconds(5)) }
        // Rounds of 80 datagrams in flight (10 per client), each answered before the next: a burst the engine reads
        // and writes in batches, yet far below what socket buffers hold, so a loaded machine delays replies
        // instead of dropping them.
        let rounds = 25
        let perRound = 10
        var answered = 0
        for round in 0..<rounds {
            for index in 0..<perRound {
                for client in clients { try client.send("r\(round)-\(index)", to: harness.listener) }
            }
            for client in clients {
                for _ in 0..<perRound where (try? client.receive()) != nil { answered += 1 }
            }
        }
        let sent = rounds * perRound * clients.count
        #expect(Double(answered) >= 0.95 * Double(sent), "answered \(answered) of \(sent)")
    }

    @Test("PROXY v2 over UDP: every datagram starts with a DGRAM header carrying client and listener")
    func proxyV2Datagram() throws {
        for family in [IPAddress.v4(0x7F00_0001), IPAddress("::1")!] {
            let backend = try UDPEchoServer(name: "a", address: family)
            let harness = try EngineHarness(
                backends: [backend.endpoint], settings: ServiceSettings(transport: .udp, proxyHeader: .v2),
                listen: IPEndpoint(address: family, port: 0))
            let client = try UDPTestSocket(address: family)
            try client.send("one", to: harness.listener)
            try client.send("two", to: harness.listener)
            let replyOne = try client.receiveText()
            _ = try client.receive()
            // Replies from the backend are passed on unchanged (they echo the header back here).
            #expect(replyOne.hasPrefix("a:"))
            let datagrams = backend.datagrams
            #expect(datagrams.count == 2)
            var header: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21]
            let source = client.local
            let destination = harness.listener
            if family.isIPv4 {
                header += [0x12, 0x00, 12, 127, 0, 0, 1, 127, 0, 0, 1]
            } else {
                header += [0x22, 0x00, 36] + [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [1]
            }
            header += [UInt8(source.port >> 8), UInt8(source.port & 0xFF)]
            header += [UInt8(destination.port >> 8), UInt8(destination.port & 0xFF)]
            #expect(datagrams[0].bytes == header + Array("one".utf8))
            #expect(datagrams[1].bytes == header + Array("two".utf8))
        }
    }

    @Test("IPv6 flows on ::1")
    func ipv6() throws {
        let loopback6 = IPAddress("::1")!
        let backend = try UDPEchoServer(name: "six", address: loopback6)
        let harness = try EngineHarness(
            backends: [backend.endpoint], settings: Self.udp, listen: IPEndpoint(address: loopback6, port: 0))
        let client = try UDPTestSocket(address: loopback6)
        try client.send("hello", to: harness.listener)
        let (reply, from) = try client.receive()
        #expect(String(decoding: reply, as: UTF8.self) == "six:hello")
        #expect(from == harness.listener)
    }

    @Test("on a wildcard listener, replies leave from the exact address the client sent to")
    func wildcardReplySource() throws {
        let backend = try UDPEchoServer(name: "w")
        let harness = try EngineHarness(
            backends: [backend.endpoint], settings: Self.udp, listen: IPEndpoint(address: .v4(0), port: 0))
        for last in [1, 3, 9] as [UInt32] {
            let target = IPEndpoint(address: .v4(0x7F00_0000 | last), port: harness.listener.port)
            let client = try UDPTestSocket()
            try client.send("hi", to: target)
            let (_, from) = try client.receive()
            #expect(from == target)
        }
    }

    @Test("a backend port that answers with ICMP unreachable counts as a failure")
    func unreachableBackend() throws {
        // A port nothing binds meanwhile (not an ephemeral one a closed socket gives back to the kernel).
        let endpoint = IPEndpoint(address: .v4(0x7F00_0001), port: freeLoopbackPort())
        let harness = try EngineHarness(backends: [endpoint], settings: Self.udp)
        let client = try UDPTestSocket(timeout: .milliseconds(200))
        for _ in 0..<5 {
            try client.send("anyone?", to: harness.listener)
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(eventually { harness.backendStats(endpoint).connectFailures >= 1 })
    }
}
