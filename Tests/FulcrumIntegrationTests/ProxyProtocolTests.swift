import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// PROXY protocol sent to backends and accepted from clients, through a real `fulcrum run`.
@Suite("PROXY protocol end to end")
struct ProxyProtocolTests {
    static let localhost = IPAddress.v4(0x7F00_0001)
    static let loopback6 = IPAddress("::1")!

    /// Starts Fulcrum with one TCP service; returns the process and its listener.
    static func start(
        _ folder: TemporaryFolder, listen: IPAddress = localhost, backend: IPEndpoint, settings: String,
        logLevel: String = "info"
    ) throws -> (FulcrumProcess, IPEndpoint) {
        let port = freeLoopbackPort(address: listen)
        let listener = IPEndpoint(address: listen, port: port)
        let yaml = """
            shutdown_grace: 1s
            services:
              pp:
                listen: "\(listener)"
            \(settings)
                backends:
                  - address: "\(backend)"
            """
        let path = try folder.write("pp.yaml", yaml)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json", "--log-level", logLevel])
        #expect(fulcrum.waitUntilStarted())
        return (fulcrum, listener)
    }

    @Test("v1: the backend receives 'PROXY TCP4 client listener ports' before the client's bytes")
    func sendV1() throws {
        let backend = try RecordingServer(firstBytes: 200)
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(folder, backend: backend.endpoint, settings: "    proxy_protocol: v1")
        let client = try TestSocket.connect(to: listener, from: IPAddress("127.0.0.5")!)
        let clientPort = client.local!.port
        try client.send("hello")
        _ = try client.receive(exactly: 5)
        let expected = "PROXY TCP4 127.0.0.5 127.0.0.1 \(clientPort) \(listener.port)\r\nhello"
        #expect(String(decoding: backend.connections.first ?? [], as: UTF8.self) == expected)
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("v2: the exact binary header, IPv4 and IPv6")
    func sendV2() throws {
        for family in [Self.localhost, Self.loopback6] {
            let backend = try RecordingServer(address: family, firstBytes: 200)
            let folder = try TemporaryFolder()
            let (fulcrum, listener) = try Self.start(
                folder, listen: family, backend: backend.endpoint, settings: "    proxy_protocol: v2")
            let source = family.isIPv4 ? IPAddress("127.0.0.5")! : Self.loopback6
            let client = try TestSocket.connect(to: listener, from: source)
            let clientPort = client.local!.port
            try client.send("xyz")
            _ = try client.receive(exactly: 3)
            var expected: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21]
            if family.isIPv4 {
                expected += [0x11, 0x00, 12, 127, 0, 0, 5, 127, 0, 0, 1]
            } else {
                expected += [0x21, 0x00, 36]
                expected += [UInt8](repeating: 0, count: 15) + [1] + [UInt8](repeating: 0, count: 15) + [1]
            }
            expected += [UInt8(clientPort >> 8), UInt8(clientPort & 0xFF), UInt8(listener.port >> 8), UInt8(listener.port & 0xFF)]
            expected += Array("xyz".utf8)
            #expect(backend.connections.first == expected, "family \(family)")
            fulcrum.signal(SIGTERM)
            #expect(fulcrum.waitForExit() == 0)
        }
    }

    @Test("accepted v1 and v2 headers: the carried client is passed on (in any number of pieces)")
    func acceptAndPassOn() throws {
        let backend = try RecordingServer(firstBytes: 200)
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(
            folder, backend: backend.endpoint, settings: "    accept_proxy_protocol: true\n    proxy_protocol: v1",
            logLevel: "debug")
        // v1, one byte at a time, with payload right behind the header.
        let v1 = try TestSocket.connect(to: listener)
        for byte in Array("PROXY TCP4 203.0.113.7 198.51.100.1 4242 443\r\nping".utf8) {
            try v1.send([byte])
        }
        #expect(try v1.receive(exactly: 4) == Array("ping".utf8))
        // v2 PROXY TCP6, in two pieces.
        let v2 = try TestSocket.connect(to: listener)
        var header: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x21, 0, 36]
        header += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [7]
        header += [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
        header += [0x13, 0x88, 0x01, 0xBB]
        try v2.send(Array(header[..<10]))
        // The split is certain: the second piece goes only once Fulcrum has looked at the first alone.
        #expect(fulcrum.waitForOutput(#""bytes":"10""#), "Fulcrum never saw the first piece alone")
        try v2.send(Array(header[10...]) + Array("pong".utf8))
        #expect(try v2.receive(exactly: 4) == Array("pong".utf8))
        let seen = backend.connections.map { String(decoding: $0, as: UTF8.self) }
        #expect(seen.contains("PROXY TCP4 203.0.113.7 198.51.100.1 4242 443\r\nping"))
        #expect(seen.contains("PROXY TCP6 2001:db8::7 2001:db8::1 5000 443\r\npong"))
        // The access log names the carried client (records are written when connections end).
        v1.close()
        #expect(eventually { fulcrum.accessRecords.contains { $0["client"] as? String == "203.0.113.7:4242" } })
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("LOCAL and UNKNOWN headers: the connection's own addresses are used")
    func localAndUnknown() throws {
        let backend = try RecordingServer(firstBytes: 200)
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(
            folder, backend: backend.endpoint, settings: "    accept_proxy_protocol: true\n    proxy_protocol: v1")
        let unknown = try TestSocket.connect(to: listener, from: IPAddress("127.0.0.6")!)
        let unknownPort = unknown.local!.port
        try unknown.send("PROXY UNKNOWN\r\nab")
        _ = try unknown.receive(exactly: 2)
        let local = try TestSocket.connect(to: listener, from: IPAddress("127.0.0.7")!)
        let localPort = local.local!.port
        try local.send([0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0, 0] + Array("cd".utf8))
        _ = try local.receive(exactly: 2)
        let seen = backend.connections.map { String(decoding: $0, as: UTF8.self) }
        #expect(seen.contains("PROXY TCP4 127.0.0.6 127.0.0.1 \(unknownPort) \(listener.port)\r\nab"))
        #expect(seen.contains("PROXY TCP4 127.0.0.7 127.0.0.1 \(localPort) \(listener.port)\r\ncd"))
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("malformed, missing and slow headers are rejected and counted; the backend never sees a byte")
    func rejected() throws {
        let backend = try RecordingServer(firstBytes: 200)
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(
            folder, backend: backend.endpoint,
            settings: "    accept_proxy_protocol: true\n    connect_timeout: 500ms")
        let bad = [
            "GET / HTTP/1.1\r\n\r\n",  // no header at all
            "PROXY TCP4 999.1.1.1 1.2.3.4 1 2\r\n",  // not an IP literal
            "PROXY TCP4 ::1 ::1 1 2\r\n",  // TCP4 with IPv6
            "PROXY TCP6 1.2.3.4 1.2.3.4 1 2\r\n",  // TCP6 with IPv4
            "PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n",  // leading zero
            "PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n",  // double space
            "PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n",  // LF without CR
            "PROXY " + String(repeating: "A", count: 120) + "\r\n",  // longer than 107 bytes
        ]
        for text in bad {
            let client = try TestSocket.connect(to: listener)
            try? client.send(text)
            #expect(client.waitForClose(timeout: .seconds(3)), "\(text.debugDescription) was not closed")
        }
        // A header that never completes: closed at connect_timeout.
        let slow = try TestSocket.connect(to: listener)
        try slow.send("PROXY TCP4 1.2.3.4")
        let start = ContinuousClock.now
        #expect(slow.waitForClose(timeout: .seconds(5)))
        #expect(ContinuousClock.now - start >= .milliseconds(400))
        // A client that closes before its header is complete counts too.
        let quitter = try TestSocket.connect(to: listener)
        try quitter.send("PROXY TCP")
        quitter.close()
        #expect(eventually { fulcrum.accessRecords(ending: "rejected:proxy_protocol").count == bad.count + 2 })
        #expect(backend.server.connectionCount == 0)
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }
}
