import FulcrumBalancing
@testable import FulcrumEngine
import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

@Suite("TCP relay on loopback")
struct TCPRelayTests {
    @Test("bytes cross the balancer both ways and the access log records them")
    func echo() throws {
        let backend = try LoopbackServer()
        let harness = try EngineHarness(backends: [backend.endpoint])
        let client = try harness.connect()
        try client.send("hello fulcrum")
        #expect(String(decoding: try client.receive(exactly: 13), as: UTF8.self) == "hello fulcrum")
        client.close()
        #expect(eventually { harness.service.stats.activeConnections == 0 })
        let records = harness.records()
        #expect(records.count == 1)
        #expect(records.first?.bytesIn == 13)
        #expect(records.first?.bytesOut == 13)
        #expect(records.first?.backend == "\(backend.endpoint)")
        #expect(harness.backendStats(backend.endpoint).bytesIn == 13)
        #expect(harness.backendStats(backend.endpoint).totalConnections == 1)
    }

    @Test("50 MiB each way arrive intact (sha256)")
    func bulkBothWays() throws {
        let backend = try LoopbackServer()
        let harness = try EngineHarness(backends: [backend.endpoint])
        let client = try harness.connect()
        let size = 50 << 20
        var generator = SystemRandomNumberGenerator()
        let chunk = (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // The writer hashes what it sends while the reader hashes what comes back, at the same time.
        let sentDigest = TextBox()
        let writer = Thread {
            var sent = SHA256()
            for index in 0..<(size >> 20) {
                var block = chunk
                block[0] = UInt8(truncatingIfNeeded: index)
                try? client.send(block)
                sent.update(block)
            }
            client.shutdownWrite()
            sentDigest.set(sent.finalize())
        }
        writer.start()
        var received = SHA256()
        var count = 0
        while true {
            let bytes = try client.receive()
            if bytes.isEmpty { break }
            received.update(bytes)
            count += bytes.count
        }
        #expect(count == size)
        #expect(eventually(timeout: .seconds(30)) { sentDigest.value != nil })
        #expect(received.finalize() == sentDigest.value)
        #expect(eventually { harness.service.stats.activeConnections == 0 })
        #expect(harness.backendStats(backend.endpoint).bytesIn == size)
        #expect(harness.backendStats(backend.endpoint).bytesOut == size)
    }

    @Test("a reply sent after the client's FIN still reaches the client")
    func halfClose() throws {
        let backend = try LoopbackServer { socket in
            // Read the whole request (until the client's FIN), then answer and close.
            let request = (try? socket.receiveToEnd()) ?? []
            try? socket.send("got \(request.count) bytes")
            socket.close()
        }
        let harness = try EngineHarness(backends: [backend.endpoint])
        let client = try harness.connect()
        try client.send(Array(repeating: 0x61, count: 100_000))
        client.shutdownWrite()
        let reply = String(decoding: try client.receiveToEnd(), as: UTF8.self)
        #expect(reply == "got 100000 bytes")
        #expect(eventually { harness.records().first?.end == .closed })
    }

    @Test("after the backend's FIN the client's later bytes still reach it, followed by a clean end of stream")
    func halfCloseFromBackend() throws {
        let received = TextBox()
        let backend = try LoopbackServer { socket in
            try? socket.send("hello")
            socket.shutdownWrite()
            // A reset instead of a FIN after the late bytes would make this read fail.
            if let bytes = try? socket.receiveToEnd() { received.set(String(decoding: bytes, as: UTF8.self)) }
            socket.close()
        }
        let harness = try EngineHarness(backends: [backend.endpoint])
        let client = try harness.connect()
        #expect(String(decoding: try client.receiveToEnd(), as: UTF8.self) == "hello")
        try client.send("late bytes")
        client.shutdownWrite()
        #expect(eventually { received.value == "late bytes" })
        #expect(eventually { harness.records().first?.end == .closed })
        #expect(harness.service.stats.activeConnections == 0)
    }

    @Test("TCP_NODELAY is set on listening sockets, so that accepted client sockets inherit it")
    func clientSocketsInheritNoDelay() throws {
        let listener = try Sockets.listen(on: IPEndpoint(address: .v4(0x7F00_0001), port: 0), transport: .tcp)
        defer { close(listener) }
        let endpoint = try #require(Sockets.localEndpoint(of: listener))
        let client = try TestSocket.connect(to: endpoint)
        defer { client.close() }
        var accepted: Int32 = -1
        #expect(eventually {
            accepted = accept(listener, nil, nil)
            return accepted >= 0
        })
        defer { close(accepted) }
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(accepted, Int32(IPPROTO_TCP), TCP_NODELAY, &value, &length) == 0)
        #expect(value == 1)
    }

    @Test("500 concurrent connections are all served")
    func concurrent() async throws {
        let backend = try LoopbackServer()
        let harness = try EngineHarness(backends: [backend.endpoint])
        let clients = try (0..<500).map { _ in try harness.connect() }
        for (index, client) in clients.enumerated() { try client.send("client \(index);") }
        for (index, client) in clients.enumerated() {
            let expected = "client \(index);"
            #expect(String(decoding: try client.receive(exactly: expected.utf8.count), as: UTF8.self) == expected)
        }
        #expect(harness.service.stats.activeConnections == 500)
        clients.forEach { $0.close() }
        #expect(await eventually { harness.service.stats.activeConnections == 0 })
    }

    @Test("an idle connection is closed after idle_timeout and logged as such")
    func idleTimeout() throws {
        let backend = try LoopbackServer()
        let harness = try EngineHarness(
            backends: [backend.endpoint], settings: ServiceSettings(idleTimeout: .milliseconds(300)))
        let client = try harness.connect()
        try client.send("ping")
        _ = try client.receive(exactly: 4)
        let start = ContinuousClock.now
        #expect(client.waitForClose(timeout: .seconds(5)))
        #expect(ContinuousClock.now - start >= .milliseconds(250))
        #expect(eventually { harness.records().contains { $0.end == .idleTimeout } })
    }

    @Test("a refusing backend is retried on another one and the client is served")
    func retryOnRefusal() throws {
        let good = try LoopbackServer()
        let dead = try LoopbackServer()
        let deadEndpoint = dead.endpoint
        dead.stop()
        let harness = try EngineHarness(backends: [deadEndpoint, good.endpoint])
        for index in 0..<10 {
            let client = try harness.connect()
            try client.send("try \(index)")
            #expect(String(decoding: try client.receive(exactly: 5), as: UTF8.self) == "try \(index)")
            client.close()
        }
        #expect(good.connectionCount == 10)
        #expect(harness.backendStats(deadEndpoint).connectFailures >= 4)
        #expect(eventually { harness.service.stats.activeConnections == 0 })
    }

    @Test("with every backend refusing, the client is closed at once")
    func allRefusing() throws {
        let dead = try LoopbackServer()
        let endpoint = dead.endpoint
        dead.stop()
        let harness = try EngineHarness(backends: [endpoint])
        let client = try harness.connect()
        #expect(client.waitForClose(timeout: .seconds(3)))
        #expect(eventually { harness.records().first?.end == .connectFailed })
    }

    @Test("no eligible backend: closed at once and counted as no_backend")
    func noBackend() throws {
        let harness = try EngineHarness(backends: [])
        let client = try harness.connect()
        #expect(client.waitForClose(timeout: .seconds(3)))
        #expect(eventually { harness.service.stats.rejected(.noBackend) == 1 })
    }

    @Test("IPv6 clients and backends on ::1")
    func ipv6() throws {
        let loopback6 = IPAddress("::1")!
        let backend = try LoopbackServer(address: loopback6)
        let harness = try EngineHarness(
            backends: [backend.endpoint], listen: IPEndpoint(address: loopback6, port: 0))
        let client = try harness.connect()
        try client.send("over ipv6")
        #expect(String(decoding: try client.receive(exactly: 9), as: UTF8.self) == "over ipv6")
        #expect(backend.clientAddresses.first?.address == loopback6)
    }

    /// The largest buffer `/proc/sys/net/ipv4/NAME` allows (its third figure).
    static func tcpBufferMaximum(_ name: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/\(name)", encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }.last ?? 6 << 20
    }

    @Test("a backend that never reads makes Fulcrum buffer a bounded amount, then stall the client")
    func backendNeverReads() throws {
        let backend = try LoopbackServer { socket in
            Thread.sleep(forTimeInterval: 8)
            socket.close()
        }
        let harness = try EngineHarness(backends: [backend.endpoint])
        let client = try harness.connect()
        client.setTimeout(.milliseconds(500))
        let block = [UInt8](repeating: 7, count: 65536)
        // What may sit between the client and a backend that never reads: this host's largest TCP buffers on the
        // four sockets of the path (the client's send, Fulcrum's receive and send, the backend's receive), one pipe
        // and the copy buffer. Read from the host: tcp_rmem/tcp_wmem differ between machines.
        let bound = 2 * Self.tcpBufferMaximum("tcp_rmem") + 2 * Self.tcpBufferMaximum("tcp_wmem") + 256 << 10 + 16 << 10
        var accepted = 0
        // Send until the send times out: the data path is full. Bounded: at most four times the bound offered.
        while accepted < 4 * bound {
            let sent = block.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            accepted += sent
        }
        #expect(accepted <= bound, "accepted \(accepted) bytes, more than the \(bound) the buffers can hold")
        #expect(accepted > 0)
    }
}

/// Hands a text (a digest, received bytes) from a server or writer thread to the test.
private final class TextBox: @unchecked Sendable {
    // Guarded by `lock`.
    private let lock = NSLock()
    private var text: String?
    var value: String? { self.lock.withLock { self.text } }
    func set(_ value: String) { self.lock.withLock { self.text = value } }
}

@Suite("TCP connect timeouts")
struct ConnectTimeoutTests {
    @Test("a backend that never answers the handshake costs one attempt: connect_timeout, then the next backend")
    func unresponsiveBackend() throws {
        // A listening socket that never accepts, with its tiny backlog filled: further SYNs go unanswered.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var (address, length) = SocketAddressing.make(IPEndpoint(address: .v4(0x7F00_0001), port: 0))
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, length) } }
        listen(silent, 0)
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(silent, $0, &actualLength) }
        }
        let silentEndpoint = SocketAddressing.endpoint(actual)!
        let fillers = (0..<3).compactMap { _ in try? TestSocket.connect(to: silentEndpoint, timeout: .milliseconds(200)) }
        _ = fillers
        let good = try LoopbackServer()
        let harness = try EngineHarness(
            backends: [silentEndpoint, good.endpoint], settings: ServiceSettings(connectTimeout: .milliseconds(300)))
        for index in 0..<4 {
            let client = try harness.connect()
            try client.send("n\(index)")
            #expect(try client.receive(exactly: 2) == Array("n\(index)".utf8))
        }
        #expect(harness.backendStats(silentEndpoint).connectFailures >= 1)
        #expect(good.connectionCount == 4)
    }
}
