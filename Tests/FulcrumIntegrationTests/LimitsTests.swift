import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// Connection limits and ACLs through a real `fulcrum run` (SPEC §2, issue 6).
@Suite("limits and ACLs end to end")
struct LimitsTests {
    static let localhost = IPAddress.v4(0x7F00_0001)

    static func start(
        _ folder: TemporaryFolder, listen: IPAddress = localhost, backends: [IPEndpoint], settings: String,
        backendSettings: [String] = []
    ) throws -> (FulcrumProcess, IPEndpoint) {
        let listener = IPEndpoint(address: listen, port: freeLoopbackPort(address: listen))
        var yaml = "shutdown_grace: 1s\nservices:\n  limited:\n    listen: \"\(listener)\"\n\(settings)\n    backends:\n"
        for (index, backend) in backends.enumerated() {
            yaml += "      - address: \"\(backend)\"\n"
            if index < backendSettings.count { yaml += "        \(backendSettings[index])\n" }
        }
        let path = try folder.write("limits.yaml", yaml)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        return (fulcrum, listener)
    }

    /// Connects and checks the connection is served (an echo comes back).
    static func served(_ listener: IPEndpoint, from source: IPAddress? = nil) throws -> TestSocket? {
        let client = try TestSocket.connect(to: listener, from: source, timeout: .seconds(3))
        guard (try? client.send("ok")) != nil, let reply = try? client.receive(exactly: 2), reply == Array("ok".utf8)
        else { return nil }
        return client
    }

    @Test("max_connections: over it, new connections are closed at once and counted; the listener keeps answering")
    func serviceCap() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(folder, backends: [backend.endpoint], settings: "    max_connections: 2")
        let first = try #require(try Self.served(listener))
        let second = try #require(try Self.served(listener))
        for _ in 0..<3 {
            let refused = try TestSocket.connect(to: listener)
            #expect(refused.waitForClose(timeout: .seconds(2)))
        }
        first.close()
        #expect(eventually { (try? Self.served(listener)) != nil })
        // Three refusals above, plus any attempt of the retry loop that came before the slot was free.
        #expect(eventually { fulcrum.accessRecords(ending: "rejected:max_connections").count >= 3 })
        _ = second
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("max_connections_per_source: counted per client address")
    func perSourceCap() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(
            folder, backends: [backend.endpoint], settings: "    max_connections_per_source: 2")
        let sourceA = IPAddress("127.0.0.2")!
        let sourceB = IPAddress("127.0.0.3")!
        let held = try [Self.served(listener, from: sourceA), Self.served(listener, from: sourceA)]
        #expect(held.allSatisfy { $0 != nil })
        let third = try TestSocket.connect(to: listener, from: sourceA)
        #expect(third.waitForClose(timeout: .seconds(2)))
        #expect(try Self.served(listener, from: sourceB) != nil, "another source is not affected")
        held[0]?.close()
        #expect(eventually { (try? Self.served(listener, from: sourceA)) != nil })
        #expect(eventually { fulcrum.accessRecords(ending: "rejected:max_connections_per_source").count >= 1 })
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("a backend at its max_connections is skipped; when all are full the connection is refused as no_backend")
    func backendCap() throws {
        let first = try LoopbackServer()
        let second = try LoopbackServer()
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(
            folder, backends: [first.endpoint, second.endpoint], settings: "    balance: least_connections",
            backendSettings: ["max_connections: 1", "max_connections: 1"])
        let held = try [Self.served(listener), Self.served(listener)]
        #expect(held.allSatisfy { $0 != nil })
        #expect(first.connectionCount == 1 && second.connectionCount == 1, "each backend takes one")
        let refused = try TestSocket.connect(to: listener)
        #expect(refused.waitForClose(timeout: .seconds(2)))
        #expect(eventually { fulcrum.accessRecords(ending: "rejected:no_backend").count == 1 })
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("allow then deny, IPv4: listed sources are served, others closed at once and counted as acl")
    func aclIPv4() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let (fulcrum, listener) = try Self.start(
            folder, backends: [backend.endpoint],
            settings: "    allow: [\"127.0.0.0/30\"]\n    deny: [\"127.0.0.2/32\"]")
        #expect(try Self.served(listener, from: IPAddress("127.0.0.1")!) != nil)
        #expect(try Self.served(listener, from: IPAddress("127.0.0.3")!) != nil)
        for source in ["127.0.0.2", "127.0.0.5", "127.1.0.1"] {
            let client = try TestSocket.connect(to: listener, from: IPAddress(source)!)
            #expect(client.waitForClose(timeout: .seconds(2)), "\(source) should be refused")
        }
        #expect(eventually { fulcrum.accessRecords(ending: "rejected:acl").count == 3 })
        #expect(backend.connectionCount == 2)
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("IPv6 forms: deny ::1/128 refuses the IPv6 loopback, allow ::/0 alone serves it")
    func aclIPv6() throws {
        let loopback6 = IPAddress("::1")!
        let backend = try LoopbackServer(address: loopback6)
        let folder = try TemporaryFolder()
        let (denying, deniedListener) = try Self.start(
            folder, listen: loopback6, backends: [backend.endpoint], settings: "    deny: [\"::1/128\"]")
        let client = try TestSocket.connect(to: deniedListener)
        #expect(client.waitForClose(timeout: .seconds(2)))
        #expect(eventually { denying.accessRecords(ending: "rejected:acl").count == 1 })
        denying.signal(SIGTERM)
        #expect(denying.waitForExit() == 0)

        let other = try TemporaryFolder()
        let (allowing, allowedListener) = try Self.start(
            other, listen: loopback6, backends: [backend.endpoint],
            settings: "    allow: [\"::/0\"]\n    max_connections_per_source: 1")
        let held = try #require(try Self.served(allowedListener))
        let second = try TestSocket.connect(to: allowedListener)
        #expect(second.waitForClose(timeout: .seconds(2)), "per-source cap on an IPv6 client")
        _ = held
        allowing.signal(SIGTERM)
        #expect(allowing.waitForExit() == 0)
    }
}
