import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// Service discovery end to end (SPEC §8.1, issue 14): a real `fulcrum run` following a real etcd (Debian's
/// etcd-server) or a real DNS server (dnsmasq), started by the tests on loopback ports, with real backends and
/// clients. Waits are bounded polls (`eventually`) with generous limits; the bounds the SPEC sets (a put applied
/// within 1 s) are measured and printed, not asserted against a loaded machine's clock.
@Suite("service discovery end to end")
struct DiscoveryEndToEndTests {
    /// A `fulcrum run` with an admin server, in a folder of its own that survives a restart of the process.
    final class Fixture: @unchecked Sendable {
        // Driven by one test.
        let folder: TemporaryFolder
        let adminPort = freeLoopbackPort()
        let servicePort = freeLoopbackPort()
        var fulcrum: FulcrumProcess
        var configPath: String { self.folder.url.appendingPathComponent("fulcrum.yaml").path }
        var admin: AdminClient { AdminClient(endpoint: IPEndpoint(address: .v4(0x7F00_0001), port: self.adminPort)) }
        var listener: IPEndpoint { IPEndpoint(address: .v4(0x7F00_0001), port: self.servicePort) }

        /// `service` is the YAML of the `web` service's settings after `listen` (indented by four spaces).
        init(service: String, extraTopLevel: String = "") throws {
            self.folder = try TemporaryFolder()
            self.fulcrum = try FulcrumProcess(["--version"])
            try self.write(service: service, extraTopLevel: extraTopLevel)
            try self.start()
        }

        func write(service: String, extraTopLevel: String = "") throws {
            try self.folder.write("fulcrum.yaml", """
                shutdown_grace: 1s
                \(extraTopLevel)admin:
                  listen: 127.0.0.1:\(self.adminPort)
                services:
                  web:
                    listen: "127.0.0.1:\(self.servicePort)"
                \(service)
                """)
        }

        func start() throws {
            self.fulcrum = try FulcrumProcess(["run", "--config", self.configPath, "--log-format", "json"])
            guard self.fulcrum.waitUntilStarted() else {
                throw EndToEndError("fulcrum did not start: \(self.fulcrum.stderr)\n\(self.fulcrum.stdout)")
            }
        }

        func stop() -> Int32? {
            self.fulcrum.signal(SIGTERM)
            return self.fulcrum.waitForExit()
        }

        /// The addresses of the service's live (not removing) backends, sorted.
        func live() -> [String] {
            ((try? self.admin.backends(of: "web")) ?? []).filter { $0["removing"] == nil }
                .compactMap { $0["address"] as? String }.sorted()
        }

        /// The service object's `discovery`.
        func discovery() -> [String: Any]? {
            (try? self.admin.service("web"))?["discovery"] as? [String: Any]
        }

        /// Which backend (by its greeting) a new connection reaches.
        func ask() throws -> String {
            let client = try TestSocket.connect(to: self.listener)
            defer { client.close() }
            return String(decoding: try client.receive(exactly: 2), as: UTF8.self)
        }
    }

    /// Backends that greet with a two-letter name (`b0`, `b1`, ...) and then echo.
    static func greeters(_ count: Int) throws -> [LoopbackServer] {
        try (0..<count).map { try EndToEnd.greetingBackend("b\($0)") }
    }

    static func etcdService(_ etcd: EtcdServer, prefix: String = "/fulcrum/web/", extra: String = "") -> String {
        """
            discovery:
              etcd:
                endpoints: ["\(etcd.clientURL)"]
                prefix: \(prefix)
        \(extra)
        """
    }

    // MARK: - etcd

    @Test(
        "etcd: puts and deletes under traffic fail no connection; a removed backend's open connection keeps working",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func etcdUnderTraffic() throws {
        let etcd = try EtcdServer()
        let backends = try Self.greeters(3)
        try etcd.put("/fulcrum/web/b0", backends[0].endpoint.description)
        try etcd.put("/fulcrum/web/b1", #"{"address": "\#(backends[1].endpoint)", "weight": 2}"#)
        let fixture = try Fixture(service: Self.etcdService(etcd))
        let expected = [backends[0].endpoint.description, backends[1].endpoint.description].sorted()
        #expect(eventually { fixture.live() == expected }, "\(fixture.live())")
        let b1 = try #require(try EndToEnd.backend(fixture.admin, "web", backends[1].endpoint))
        #expect(b1["weight"] as? Int == 2)
        #expect(b1["origin"] as? String == "etcd")
        #expect(fixture.discovery()?["source"] as? String == "etcd")
        #expect(fixture.discovery()?["backends"] as? Int == 2)
        #expect(fixture.discovery()?["error"] is NSNull)
        #expect(fixture.discovery()?["last_success"] is String)

        // An open connection to b0, which is about to be removed (round robin: one of the first few reaches it).
        var open: TestSocket?
        for _ in 0..<6 where open == nil {
            let client = try TestSocket.connect(to: fixture.listener)
            if try client.receive(exactly: 2) == Array("b0".utf8) { open = client } else { client.close() }
        }
        try self.keepChecking(try #require(open, "no connection reached b0"), fixture: fixture, etcd: etcd, backends: backends)
    }

    private func keepChecking(
        _ open: TestSocket, fixture: Fixture, etcd: EtcdServer, backends: [LoopbackServer]
    ) throws {
        let loop = ConnectionLoop(listener: fixture.listener, greeting: 2, limit: 20_000, duration: .seconds(120))
        loop.start()
        #expect(eventually { loop.attempted >= 20 })
        try etcd.put("/fulcrum/web/b2", backends[2].endpoint.description)
        #expect(eventually { fixture.live().contains(backends[2].endpoint.description) })
        #expect(eventually { loop.attempted >= 60 })
        try etcd.delete("/fulcrum/web/b0")
        #expect(eventually { !fixture.live().contains(backends[0].endpoint.description) })
        let removedAt = loop.attempted
        #expect(eventually { loop.attempted >= removedAt + 40 })
        let result = loop.finish()
        print("etcd under traffic: \(result.attempted) connections, \(result.failures.count) failed")
        #expect(result.failures.isEmpty, "\(result.failures.prefix(5))")
        #expect(backends[2].connectionCount > 0, "the added backend served")
        // The removed backend's open connection still works both ways; it drains, then disappears.
        try open.send("still here")
        #expect(try open.receive(exactly: 10) == Array("still here".utf8))
        let draining = try #require(try EndToEnd.backend(fixture.admin, "web", backends[0].endpoint))
        #expect(draining["state"] as? String == "draining")
        open.close()
        #expect(eventually { (try? EndToEnd.backend(fixture.admin, "web", backends[0].endpoint)) == nil })
        #expect(fixture.stop() == 0)
    }

    @Test(
        "etcd: a malformed value is skipped, logged with its key and counted; the others serve",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func etcdMalformedValue() throws {
        let etcd = try EtcdServer()
        let backend = try EndToEnd.greetingBackend("b0")
        try etcd.put("/fulcrum/web/good", backend.endpoint.description)
        try etcd.put("/fulcrum/web/bad", "not an address")
        let fixture = try Fixture(service: Self.etcdService(etcd))
        #expect(eventually { fixture.live() == [backend.endpoint.description] })
        #expect(try fixture.ask() == "b0")
        #expect(eventually { (fixture.discovery()?["rejected_entries_total"] as? Int ?? 0) >= 1 })
        #expect(fixture.fulcrum.waitForOutput("registry entry skipped"))
        let skipped = fixture.fulcrum.logRecords(messageStartingWith: "discovery: registry entry skipped")
        #expect(skipped.first?["key"] as? String == "/fulcrum/web/bad", "\(skipped)")
        let metrics = try fixture.admin.get("/metrics").text
        #expect(EndToEnd.sample(metrics, "fulcrum_discovery_rejected_entries_total", ["service": "web", "source": "etcd"]) ?? 0 >= 1)
        #expect(EndToEnd.sample(metrics, "fulcrum_discovery_backends", ["service": "web", "source": "etcd"]) == 1)
        #expect(fixture.stop() == 0)
    }

    @Test(
        "etcd killed and restarted with writes in between: the pool stays, the outage shows, the writes apply",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func etcdOutage() throws {
        let etcd = try EtcdServer()
        let backends = try Self.greeters(2)
        try etcd.put("/fulcrum/web/b0", backends[0].endpoint.description)
        // The guard off: replacing the only backend would otherwise be held (that rule has a test of its own).
        let fixture = try Fixture(service: Self.etcdService(etcd, extra: "      max_drop: 100%"))
        #expect(eventually { fixture.live() == [backends[0].endpoint.description] })

        etcd.kill()
        #expect(eventually(timeout: .seconds(30)) { fixture.discovery()?["error"] is String }, "\(String(describing: fixture.discovery()))")
        #expect(fixture.live() == [backends[0].endpoint.description], "an outage never empties the pool")
        #expect(try fixture.ask() == "b0")
        #expect(fixture.fulcrum.waitForOutput("discovery: registry unreachable"))
        let warning = fixture.fulcrum.logRecords(messageStartingWith: "discovery: registry unreachable").first
        #expect(warning?["level"] as? String == "warning")
        let errors = EndToEnd.sample(
            try fixture.admin.get("/metrics").text, "fulcrum_discovery_errors_total", ["service": "web", "source": "etcd"])
        #expect((errors ?? 0) >= 1)

        // Writes while Fulcrum cannot reach etcd: the client port refuses, the test writes through its own port.
        try etcd.start(reachable: false)
        try etcd.put("/fulcrum/web/b1", backends[1].endpoint.description)
        try etcd.delete("/fulcrum/web/b0")
        etcd.stop()
        try etcd.start()
        #expect(eventually(timeout: .seconds(60)) { fixture.live() == [backends[1].endpoint.description] }, "\(fixture.live())")
        #expect(eventually { fixture.discovery()?["error"] is NSNull })
        #expect(fixture.fulcrum.waitForOutput("discovery: registry answers again"))
        let notice = fixture.fulcrum.logRecords(messageStartingWith: "discovery: registry answers again").first
        #expect(notice?["level"] as? String == "notice")
        #expect(try fixture.ask() == "b1")
        #expect(fixture.stop() == 0)
    }

    @Test(
        "etcd down at start: run starts with its static backends and keeps trying",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func etcdDownAtStart() throws {
        let etcd = try EtcdServer()
        etcd.kill()
        let backends = try Self.greeters(2)
        let fixture = try Fixture(service: Self.etcdService(etcd) + "\n    backends:\n      - address: \"\(backends[0].endpoint)\"\n")
        #expect(try fixture.ask() == "b0")
        #expect(eventually { fixture.discovery()?["error"] is String })
        #expect(fixture.discovery()?["last_success"] is NSNull)
        try etcd.start()
        try etcd.put("/fulcrum/web/b1", backends[1].endpoint.description)
        let both = [backends[0].endpoint.description, backends[1].endpoint.description].sorted()
        #expect(eventually(timeout: .seconds(60)) { fixture.live() == both }, "\(fixture.live())")
        #expect(fixture.stop() == 0)
    }

    @Test(
        "a mass removal is held by the guard, then applied once it stood for hold_drop",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func massRemovalHeld() throws {
        let etcd = try EtcdServer()
        let backends = try Self.greeters(4)
        for (index, backend) in backends.enumerated() { try etcd.put("/fulcrum/web/b\(index)", backend.endpoint.description) }
        let fixture = try Fixture(service: Self.etcdService(etcd, extra: "      max_drop: 50%\n      hold_drop: 3s"))
        #expect(eventually { fixture.live().count == 4 })
        // Three of four keys go in one write (a wrong prefix, a half-written registry).
        try etcd.put("/fulcrum/web/keep", backends[3].endpoint.description)
        try etcd.deletePrefix("/fulcrum/web/b")
        #expect(eventually { fixture.discovery()?["held"] as? Int == 1 }, "\(String(describing: fixture.discovery()))")
        #expect(fixture.live().count == 4, "held: nothing removed yet")
        #expect(fixture.fulcrum.waitForOutput("discovery: update held"))
        let held = EndToEnd.sample(
            try fixture.admin.get("/metrics").text, "fulcrum_discovery_updates_held_total", ["service": "web", "source": "etcd"])
        #expect(held == 1)
        // Still standing after hold_drop: applied.
        #expect(eventually(timeout: .seconds(30)) { fixture.live() == [backends[3].endpoint.description] })
        #expect(fixture.discovery()?["held"] as? Int == 0)
        #expect(fixture.stop() == 0)
    }

    @Test(
        "a restart during a registry outage starts from the saved set, and says so",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func restartDuringOutage() throws {
        let etcd = try EtcdServer()
        let backends = try Self.greeters(2)
        try etcd.put("/fulcrum/web/b0", backends[0].endpoint.description)
        try etcd.put("/fulcrum/web/b1", backends[1].endpoint.description)
        let stateFolder = try TemporaryFolder()
        let fixture = try Fixture(
            service: Self.etcdService(etcd), extraTopLevel: "state_dir: \(stateFolder.url.path)\n")
        #expect(eventually { fixture.live().count == 2 })
        let saved = stateFolder.url.appendingPathComponent("discovery.json").path
        #expect(eventually { (try? String(contentsOfFile: saved, encoding: .utf8))?.contains("\(backends[1].endpoint)") == true })
        #expect(fixture.stop() == 0)

        etcd.kill()
        try fixture.start()
        #expect(eventually { fixture.live().count == 2 }, "\(fixture.live())")
        #expect(fixture.fulcrum.waitForOutput("serving the last known good backends"))
        var seen = Set<String>()
        for _ in 0..<6 { seen.insert(try fixture.ask()) }
        #expect(seen == ["b0", "b1"])
        #expect(fixture.stop() == 0)
    }

    @Test(
        "a reload keeps discovered backends and drops API additions; diff names a discovery change",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func reloadKeepsDiscovered() throws {
        let etcd = try EtcdServer()
        let backends = try Self.greeters(3)
        try etcd.put("/fulcrum/web/b0", backends[0].endpoint.description)
        let service = Self.etcdService(etcd) + "\n    backends:\n      - address: \"\(backends[1].endpoint)\"\n"
        let fixture = try Fixture(service: service)
        #expect(eventually { fixture.live().count == 2 })
        #expect(try fixture.admin.post("/api/v1/services/web/backends", #"{"address": "\#(backends[2].endpoint)"}"#).status == 201)
        #expect(fixture.live().count == 3)
        let reload = try fixture.admin.post("/api/v1/reload")
        #expect(reload.status == 200, "\(reload.text)")
        let kept = [backends[0].endpoint.description, backends[1].endpoint.description].sorted()
        #expect(eventually { fixture.live() == kept }, "\(fixture.live())")
        let origins = try fixture.admin.backends(of: "web").filter { $0["removing"] == nil }
            .map { "\($0["address"]!)=\($0["origin"]!)" }.sorted()
        #expect(origins == ["\(backends[0].endpoint)=etcd", "\(backends[1].endpoint)=config"].sorted())

        // A changed prefix: named by diff and the dry run.
        let old = fixture.configPath
        let new = fixture.folder.url.appendingPathComponent("new.yaml").path
        try FileManager.default.copyItem(atPath: old, toPath: new)
        try String(contentsOfFile: new, encoding: .utf8).replacingOccurrences(of: "/fulcrum/web/", with: "/fulcrum/other/")
            .write(toFile: new, atomically: true, encoding: .utf8)
        let diff = try FulcrumProcess.run(["diff", old, new])
        #expect(diff.stdout == "web: discovery changed\n", "\(diff.stdout)\(diff.stderr)")
        #expect(fixture.stop() == 0)
    }

    @Test(
        "etcd put to first connection on the new backend: measured 20 times",
        .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
    func etcdApplyLatency() throws {
        let etcd = try EtcdServer()
        let first = try EndToEnd.greetingBackend("aa")
        try etcd.put("/fulcrum/web/aa", first.endpoint.description)
        // Guard off: each round replaces the only backend.
        let fixture = try Fixture(service: Self.etcdService(etcd, extra: "      max_drop: 100%"))
        #expect(eventually { fixture.live() == [first.endpoint.description] })
        var latencies: [Double] = []
        var previous = "aa"
        for round in 0..<20 {
            let name = String(format: "%02d", round)
            let backend = try EndToEnd.greetingBackend(name)
            let written = ContinuousClock.now
            try etcd.put("/fulcrum/web/\(name)", backend.endpoint.description)
            try etcd.delete("/fulcrum/web/\(previous)")
            #expect(eventually(timeout: .seconds(20)) { (try? fixture.ask()) == name }, "round \(round)")
            let elapsed = ContinuousClock.now - written
            latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            previous = name
        }
        let sorted = latencies.sorted()
        let median = (sorted[9] + sorted[10]) / 2
        print(String(format: "etcd put -> first connection on the new backend: median %.3f s, max %.3f s (20 puts)",
                     median, sorted.last!))
        #expect(fixture.stop() == 0)
    }

    // MARK: - DNS

    static func dnsService(_ dns: DnsmasqServer, _ query: String, extra: String = "") -> String {
        """
            discovery:
              dns:
                \(query)
                resolvers: ["\(dns.endpoint)"]
        \(extra)
        """
    }

    @Test(
        "DNS: A records become backends on the port; a changed record is followed at its TTL, without a query storm",
        .enabled(if: DnsmasqServer.isAvailable, "needs dnsmasq (Debian: apt-get install dnsmasq-base)"))
    func dnsAddresses() throws {
        let backends = try Self.greeters(2)
        // Both backends listen on 127.0.0.1 with different ports; the A records name 127.0.0.1 and 127.0.0.2, so
        // the second address is served by a backend bound to 127.0.0.2 on the first's port.
        let port = backends[0].endpoint.port
        let second = try LoopbackServer(address: .v4(0x7F00_0002), port: port) { socket in
            try? socket.send("b1")
            LoopbackServer.echo(socket)
        }
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["127.0.0.1"])], ttl: 2))
        let started = ContinuousClock.now
        let fixture = try Fixture(service: Self.dnsService(dns, "name: web.test\n        port: \(port)"))
        #expect(eventually { fixture.live() == ["127.0.0.1:\(port)"] }, "\(fixture.live())")
        #expect(try fixture.ask() == "b0")
        #expect((try? EndToEnd.backend(fixture.admin, "web", backends[0].endpoint))?["origin"] as? String == "dns")
        try dns.restart(with: .init(hosts: [.init("web.test", ["127.0.0.1", "127.0.0.2"])], ttl: 2))
        #expect(eventually(timeout: .seconds(30)) { fixture.live().count == 2 }, "\(fixture.live())")
        #expect(fixture.stop() == 0)
        let elapsed = ContinuousClock.now - started
        // One round per TTL (2 s): a query storm would show as many more. The restart loses the first log.
        let rounds = dns.queries("A", "web.test")
        let bound = Int((Double(elapsed.components.seconds) / 2).rounded(.up)) + 2
        print("dns: \(rounds) A queries after the restart, over at most \(elapsed) (bound \(bound))")
        #expect(rounds >= 1 && rounds <= bound, "\(rounds) queries")
        _ = second
    }

    @Test(
        "DNS SRV: targets and ports become backends with the records' weights",
        .enabled(if: DnsmasqServer.isAvailable, "needs dnsmasq (Debian: apt-get install dnsmasq-base)"))
    func dnsServiceRecords() throws {
        let backends = try Self.greeters(2)
        let dns = try DnsmasqServer(.init(
            hosts: [.init("b0.test", ["127.0.0.1"])],
            services: [
                .init("_web._tcp.test", target: "b0.test", port: backends[0].endpoint.port, weight: 30),
                .init("_web._tcp.test", target: "b0.test", port: backends[1].endpoint.port, weight: 10),
            ]))
        let fixture = try Fixture(service: Self.dnsService(dns, "srv: _web._tcp.test"))
        #expect(eventually { fixture.live().count == 2 }, "\(fixture.live())")
        #expect(EndToEnd.figure(fixture.admin, "web", backends[0].endpoint, "weight") == 30)
        #expect(EndToEnd.figure(fixture.admin, "web", backends[1].endpoint, "weight") == 10)
        #expect(fixture.stop() == 0)
    }

    @Test(
        "DNS NXDOMAIN: the pool stays for hold_empty, then empties",
        .enabled(if: DnsmasqServer.isAvailable, "needs dnsmasq (Debian: apt-get install dnsmasq-base)"))
    func dnsHoldEmpty() throws {
        let backend = try EndToEnd.greetingBackend("b0")
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["127.0.0.1"])], ttl: 1))
        let fixture = try Fixture(service: Self.dnsService(
            dns, "name: web.test\n        port: \(backend.endpoint.port)\n        hold_empty: 4s",
            extra: "      max_drop: 100%"))
        #expect(eventually { fixture.live() == [backend.endpoint.description] })
        try dns.restart(with: .init(hosts: [], ttl: 1))
        let gone = ContinuousClock.now
        #expect(fixture.fulcrum.waitForOutput("discovery: the registry names no backend"))
        #expect(fixture.live() == [backend.endpoint.description], "held for hold_empty")
        #expect(try fixture.ask() == "b0")
        #expect(eventually(timeout: .seconds(30)) { fixture.live().isEmpty })
        // Not before hold_empty (4 s) counted from the first empty answer, which came after the restart.
        #expect(ContinuousClock.now - gone >= .seconds(4))
        #expect(fixture.stop() == 0)
    }

    @Test(
        "DNS server stopped: the pool stays, the outage shows; back: followed again",
        .enabled(if: DnsmasqServer.isAvailable, "needs dnsmasq (Debian: apt-get install dnsmasq-base)"))
    func dnsOutage() throws {
        let backend = try EndToEnd.greetingBackend("b0")
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["127.0.0.1"])], ttl: 1))
        let fixture = try Fixture(service: Self.dnsService(dns, "name: web.test\n        port: \(backend.endpoint.port)"))
        #expect(eventually { fixture.live() == [backend.endpoint.description] })
        dns.stop()
        #expect(eventually(timeout: .seconds(30)) { fixture.discovery()?["error"] is String })
        #expect(fixture.live() == [backend.endpoint.description])
        #expect(try fixture.ask() == "b0")
        try dns.restart()
        #expect(eventually(timeout: .seconds(60)) { fixture.discovery()?["error"] is NSNull })
        #expect(fixture.stop() == 0)
    }
}
