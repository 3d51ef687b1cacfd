import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// Reload (SIGHUP and `POST /api/v1/reload`) and shutdown of a real `fulcrum run` with traffic flowing
/// (issue 8, SPEC §1, §3, §5).
@Suite("reload and shutdown end to end")
struct ReloadTests {
    @Test("a connection open across a reload that removes its backend keeps working both ways; the backend drains")
    func openConnectionSurvivesRemoval() throws {
        let first = try LoopbackServer()
        let second = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, backends: [first.endpoint, second.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        let open = try TestSocket.connect(to: listener)
        try open.send("before")
        #expect(try open.receive(exactly: 6) == Array("before".utf8))
        let (held, other) = first.connectionCount == 1 ? (first, second) : (second, first)

        try fixture.rewrite(services: AdminFixture.service("web", port: port, backends: [other.endpoint]))
        let reload = try admin.post("/api/v1/reload")
        #expect(reload.status == 200, "\(reload.text)")
        #expect((reload.object?["changes"] as? [String])?.contains { $0.contains("\(held.endpoint)") } == true)

        // Both directions still flow on the old backend, over several round trips.
        for round in 0..<3 {
            let text = "after-reload-\(round)"
            try open.send(text)
            #expect(try open.receive(exactly: text.utf8.count) == Array(text.utf8))
        }
        let entry = try #require(try EndToEnd.backend(admin, "web", held.endpoint), "still listed while draining")
        #expect(entry["state"] as? String == "draining")
        #expect(entry["active_connections"] as? Int == 1)
        // New connections go to the backend that stays.
        for index in 0..<4 { try EndToEnd.exchange(listener, "new-\(index)") }
        #expect(other.connectionCount == 4)
        #expect(held.connectionCount == 1)

        // A clean end: the client half-closes, the backend's close comes back through.
        open.shutdownWrite()
        #expect(try open.receiveToEnd() == [])
        open.close()
        #expect(eventually {
            (try? admin.backends(of: "web"))?.map { $0["address"] as? String } == [other.endpoint.description]
        })
        let record = { fixture.fulcrum.accessRecords.first { $0["backend"] as? String == held.endpoint.description } }
        #expect(eventually { record() != nil })
        #expect(record()?["end"] as? String == "closed", "\(String(describing: record()))")
        #expect(fixture.stop() == 0)
    }

    @Test("10 reloads alternating two configurations, by SIGHUP and by the API, under traffic: none fails")
    func reloadsUnderTraffic() throws {
        let backends = try (0..<3).map { _ in try LoopbackServer() }
        let port = freeLoopbackPort()
        let configurations = [
            AdminFixture.service("web", port: port, backends: [backends[0].endpoint, backends[1].endpoint]),
            EndToEnd.service("web", port: port, balance: "least_connections", backends: [
                (backends[0].endpoint.description, 2), (backends[2].endpoint.description, 1),
            ]),
        ]
        let fixture = try AdminFixture(services: configurations[0])
        let listener = fixture.endpoint(port: port)
        let loop = ConnectionLoop(listener: listener, limit: 20_000, duration: .seconds(60))
        loop.start()
        var markers: [Int] = []
        // Between reloads, wait for the loop to make progress (30 more connections) rather than for a stretch of
        // time: traffic then spans every reload however fast or slow the machine is.
        let progress = 30
        for reload in 0..<10 {
            let previous = markers.last ?? 0
            #expect(eventually(timeout: .seconds(30)) { loop.attempted >= previous + progress }, "loop stalled")
            markers.append(loop.attempted)
            try fixture.rewrite(services: configurations[(reload + 1) % 2])
            if reload % 2 == 0 {
                fixture.fulcrum.signal(SIGHUP)
            } else {
                let reply = try fixture.admin.post("/api/v1/reload")
                #expect(reply.status == 200, "reload \(reload): \(reply.text)")
            }
            #expect(eventually {
                fixture.fulcrum.logRecords(messageStartingWith: "reload applied").count == reload + 1
            }, "reload \(reload) not applied")
        }
        let last = markers.last ?? 0
        #expect(eventually(timeout: .seconds(30)) { loop.attempted >= last + progress }, "loop stalled")
        markers.append(loop.attempted)
        let result = loop.finish()
        print("""
            reloads under traffic: 10 reloads applied; \(result.attempted) connections attempted, \
            \(result.succeeded) succeeded, \(result.failures.count) failed; per backend \
            \(backends.map(\.connectionCount)); attempted before each reload and at the end \(markers)
            """)
        #expect(result.failures.isEmpty, "\(result.failures.prefix(10))")
        #expect(result.succeeded == result.attempted)
        // The loop really ran across every reload.
        #expect(zip(markers, markers.dropFirst()).allSatisfy { $0 < $1 }, "\(markers)")
        #expect(backends.allSatisfy { $0.connectionCount > 0 }, "both configurations served")
        let applied = fixture.fulcrum.logRecords(messageStartingWith: "reload applied")
        #expect(applied.count == 10)
        #expect(applied.allSatisfy { ($0["message"] as? String)?.contains("no changes") == false })
        #expect(fixture.stop() == 0)
    }

    @Test("an invalid file on reload changes nothing: the API answers 400 with the errors, SIGHUP logs them")
    func invalidReloadKeepsServing() throws {
        let backend = try LoopbackServer()
        let extra = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [backend.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        // Valid YAML with a bad value and an unknown key (a backend added too, which must not appear).
        try fixture.rewrite(services: AdminFixture.service(
            "web", port: port, backends: [backend.endpoint, extra.endpoint],
            extra: "    retries: lots\n    colour: blue\n"))
        let reply = try admin.post("/api/v1/reload")
        #expect(reply.status == 400)
        #expect(reply.error?.isEmpty == false)
        let errors = try #require(reply.object?["errors"] as? [String], "\(reply.text)")
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.allSatisfy { $0.hasPrefix(fixture.configPath + ":") }, "\(errors)")
        #expect(errors.contains { $0.contains("colour") }, "\(errors)")

        fixture.fulcrum.signal(SIGHUP)
        #expect(eventually { fixture.fulcrum.logRecords(messageStartingWith: "reload rejected").count >= 2 })
        #expect(fixture.fulcrum.logRecords(messageStartingWith: "reload applied").isEmpty)
        for index in 0..<6 { try EndToEnd.exchange(listener, "still-\(index)") }
        #expect(backend.connectionCount == 6)
        #expect(extra.connectionCount == 0)
        #expect(try admin.backends(of: "web").count == 1)
        #expect(fixture.stop() == 0)
    }

    @Test("a reload whose new listener cannot bind fails as a whole: old listeners answer, nothing new appears")
    func unbindableListenerFailsReload() throws {
        let backend = try LoopbackServer()
        let added = try LoopbackServer()
        let blocker = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [backend.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        // A new service on the taken port, and a change to the running one that must not be applied either.
        let services = AdminFixture.service("web", port: port, backends: [backend.endpoint, added.endpoint])
            + AdminFixture.service("api", port: blocker.endpoint.port, backends: [backend.endpoint])
        try fixture.rewrite(services: services)
        let reply = try admin.post("/api/v1/reload")
        #expect(reply.status == 400, "\(reply.text)")
        #expect(reply.error?.isEmpty == false)
        let names = (try admin.get("/api/v1/services").object?["services"] as? [[String: Any]])?
            .compactMap { $0["name"] as? String }
        #expect(names == ["web"])
        #expect(try admin.backends(of: "web").count == 1)
        for index in 0..<4 { try EndToEnd.exchange(listener, "old-\(index)") }
        #expect(backend.connectionCount == 4)
        #expect(added.connectionCount == 0)
        #expect(blocker.connectionCount == 0)

        // Moving the running service to the taken port fails the same way: its old listener keeps answering.
        try fixture.rewrite(services: AdminFixture.service("web", port: blocker.endpoint.port, backends: [
            backend.endpoint,
        ]))
        fixture.fulcrum.signal(SIGHUP)
        #expect(eventually { !fixture.fulcrum.logRecords(messageStartingWith: "reload failed").isEmpty })
        for index in 0..<4 { try EndToEnd.exchange(listener, "kept-\(index)") }
        #expect(backend.connectionCount == 8)
        #expect(try admin.service("web")?["listen"] as? [String] == ["127.0.0.1:\(port)"])
        #expect(fixture.fulcrum.logRecords(messageStartingWith: "reload applied").isEmpty)
        #expect(fixture.stop() == 0)
    }

    @Test("a reload that adds a service binds it; removing it closes the listener while its open connection finishes")
    func addAndRemoveService() throws {
        let backend = try LoopbackServer()
        let webPort = freeLoopbackPort()
        let apiPort = freeLoopbackPort()
        let web = AdminFixture.service("web", port: webPort, backends: [backend.endpoint])
        let fixture = try AdminFixture(services: web)
        let admin = fixture.admin
        let api = fixture.endpoint(port: apiPort)
        #expect((try? TestSocket.connect(to: api)) == nil, "nothing listens on the new port yet")

        try fixture.rewrite(services: web + AdminFixture.service("api", port: apiPort, backends: [backend.endpoint]))
        let added = try admin.post("/api/v1/reload")
        #expect(added.status == 200, "\(added.text)")
        #expect(added.object?["changes"] as? [String] == ["api: service added"])
        try EndToEnd.exchange(api, "hello api")
        #expect(try admin.service("api")?["total_connections"] as? Int == 1)
        let open = try TestSocket.connect(to: api)
        try open.send("held")
        #expect(try open.receive(exactly: 4) == Array("held".utf8))

        try fixture.rewrite(services: web)
        let removed = try admin.post("/api/v1/reload")
        #expect(removed.status == 200, "\(removed.text)")
        #expect(removed.object?["changes"] as? [String] == ["api: service removed"])
        #expect(eventually(timeout: .seconds(10)) { (try? TestSocket.connect(to: api)) == nil }, "listener closed")
        // The open connection is untouched, both ways, and ends cleanly.
        for round in 0..<3 {
            let text = "still-\(round)"
            try open.send(text)
            #expect(try open.receive(exactly: text.utf8.count) == Array(text.utf8))
        }
        open.shutdownWrite()
        #expect(try open.receiveToEnd() == [])
        open.close()
        #expect(eventually {
            fixture.fulcrum.accessRecords.filter { $0["service"] as? String == "api" }.map { $0["end"] as? String }
                == ["closed", "closed"]
        })
        try EndToEnd.exchange(fixture.endpoint(port: webPort), "web unaffected")
        #expect(fixture.stop() == 0)
    }

    @Test("two SIGHUPs in quick succession: both applied, one after the other; the last file wins")
    func twoSighups() throws {
        let backends = try (0..<3).map { _ in try LoopbackServer() }
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [
            backends[0].endpoint,
        ]))
        try fixture.rewrite(services: AdminFixture.service("web", port: port, backends: [
            backends[0].endpoint, backends[1].endpoint,
        ]))
        fixture.fulcrum.signal(SIGHUP)
        // Two signals pending at once are one signal to the kernel (POSIX does not queue them): send the second as
        // soon as the first has been taken, while its reload may still be running.
        #expect(eventually { !fixture.fulcrum.logRecords(messageStartingWith: "SIGHUP: reloading").isEmpty })
        try fixture.rewrite(services: AdminFixture.service("web", port: port, backends: [
            backends[0].endpoint, backends[1].endpoint, backends[2].endpoint,
        ]))
        fixture.fulcrum.signal(SIGHUP)
        #expect(eventually { fixture.fulcrum.logRecords(messageStartingWith: "reload applied").count == 2 })
        // Strictly one after the other: each reload's "applied" line comes before the next one starts.
        let sequence = fixture.fulcrum.logRecords.compactMap { $0["message"] as? String }
            .filter { $0.hasPrefix("SIGHUP: reloading") || $0.hasPrefix("reload applied") }
            .map { $0.hasPrefix("SIGHUP") ? "start" : "applied" }
        #expect(sequence == ["start", "applied", "start", "applied"], "\(sequence)")
        let addresses = try fixture.admin.backends(of: "web").compactMap { $0["address"] as? String }
        #expect(addresses.sorted() == backends.map(\.endpoint.description).sorted())
        let listener = fixture.endpoint(port: port)
        for index in 0..<6 { try EndToEnd.exchange(listener, "final-\(index)") }
        #expect(backends.allSatisfy { $0.connectionCount == 2 }, "\(backends.map(\.connectionCount))")
        #expect(fixture.stop() == 0)
    }

    @Test("backends that stay keep their health and counters across a reload")
    func stateKeptAcrossReload() throws {
        let kept = try RestartableEchoServer()
        let leaving = try RestartableEchoServer()
        let joining = try RestartableEchoServer()
        let dead = try RestartableEchoServer()
        dead.stop()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service(
            "web", port: port, backends: [kept.endpoint, leaving.endpoint, dead.endpoint],
            extra: EndToEnd.fastHealthCheck))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        #expect(eventually {
            [kept, leaving].allSatisfy { EndToEnd.health(admin, "web", $0.endpoint) == "up" }
                && EndToEnd.health(admin, "web", dead.endpoint) == "down"
        })
        for index in 0..<6 { try EndToEnd.exchange(listener, "before-\(index)") }
        let keptTotal = try #require(EndToEnd.figure(admin, "web", kept.endpoint, "total_connections"))
        let keptBytes = try #require(EndToEnd.figure(admin, "web", kept.endpoint, "bytes_in"))
        let deadFailures = try #require(EndToEnd.figure(admin, "web", dead.endpoint, "connect_failures"))
        #expect(keptTotal == 3)

        try fixture.rewrite(services: AdminFixture.service(
            "web", port: port, backends: [dead.endpoint, joining.endpoint, kept.endpoint],
            extra: EndToEnd.fastHealthCheck))
        let reply = try admin.post("/api/v1/reload")
        #expect(reply.status == 200, "\(reply.text)")
        // Right after the reload: nothing reset, nothing re-checked from scratch.
        #expect(EndToEnd.health(admin, "web", kept.endpoint) == "up")
        #expect(EndToEnd.health(admin, "web", dead.endpoint) == "down")
        #expect(EndToEnd.figure(admin, "web", kept.endpoint, "total_connections") == keptTotal)
        #expect(EndToEnd.figure(admin, "web", kept.endpoint, "bytes_in") == keptBytes)
        #expect(EndToEnd.figure(admin, "web", dead.endpoint, "connect_failures") == deadFailures)
        let healthChanges = fixture.fulcrum.healthChanges(backend: kept.endpoint.description)
        #expect(healthChanges.count == 1, "only unchecked -> up, before the reload: \(healthChanges)")

        #expect(eventually { EndToEnd.health(admin, "web", joining.endpoint) == "up" })
        for index in 0..<6 { try EndToEnd.exchange(listener, "after-\(index)") }
        #expect(EndToEnd.figure(admin, "web", kept.endpoint, "total_connections") == keptTotal + 3)
        #expect(joining.servedConnections == 3)
        #expect(EndToEnd.figure(admin, "web", dead.endpoint, "connect_failures") == deadFailures)
        let metrics = try admin.get("/metrics").text
        #expect(EndToEnd.sample(metrics, "fulcrum_connections_total", [
            "service": "web", "backend": kept.endpoint.description,
        ]) == Double(keptTotal + 3))
        #expect(fixture.stop() == 0)
    }

    @Test("shutdown with UDP sessions open: exit 0 within the grace")
    func shutdownWithUDPSessions() throws {
        let echo = try UDPEchoServer(name: "u")
        let folder = try TemporaryFolder()
        let listener = IPEndpoint(address: AdminFixture.localhost, port: freeLoopbackPort())
        let path = try folder.write("udp.yaml", """
            shutdown_grace: 2s
            services:
              game:
                protocol: udp
                listen: "\(listener)"
                backends:
                  - address: "\(echo.endpoint)"
            """)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        let clients = try (0..<3).map { _ in try UDPTestSocket() }
        for (index, client) in clients.enumerated() {
            try client.send("hello-\(index)", to: listener)
            #expect(try client.receiveText() == "u:hello-\(index)")
        }
        let signalled = ContinuousClock.now
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForOutput("listeners closed", timeout: .seconds(2)))
        // During the grace the open sessions still carry datagrams both ways.
        for (index, client) in clients.enumerated() {
            try client.send("during-\(index)", to: listener)
            #expect(try client.receiveText() == "u:during-\(index)")
        }
        // Sessions last 30 s without traffic (the default idle_timeout): the grace, not the sessions, ends it.
        let status = fulcrum.waitForExit(timeout: .seconds(2) + .seconds(3))
        #expect(status == 0, "still running or failed \(ContinuousClock.now - signalled) after SIGTERM")
        // Each session is logged once, with both datagrams counted (the output pipe may lag the exit a little).
        #expect(eventually(timeout: .seconds(10)) { fulcrum.accessRecords.count == 3 })
        let records = fulcrum.accessRecords
        #expect(records.count == 3, "\(records)")
        #expect(records.allSatisfy { $0["service"] as? String == "game" && $0["protocol"] as? String == "udp" })
        #expect(Set(records.compactMap { $0["bytes_in"] as? Int }) == ["hello-0".utf8.count + "during-0".utf8.count])
    }

    @Test("shutdown: UDP sessions that expire before the grace ends let the process exit early")
    func shutdownUDPSessionsExpire() throws {
        let echo = try UDPEchoServer(name: "u")
        let folder = try TemporaryFolder()
        let listener = IPEndpoint(address: AdminFixture.localhost, port: freeLoopbackPort())
        let path = try folder.write("udp.yaml", """
            shutdown_grace: 30s
            services:
              game:
                protocol: udp
                listen: "\(listener)"
                idle_timeout: 500ms
                backends:
                  - address: "\(echo.endpoint)"
            """)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        let client = try UDPTestSocket()
        try client.send("hello", to: listener)
        #expect(try client.receiveText() == "u:hello")
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit(timeout: .seconds(10)) == 0, "the session ended, the 30 s grace need not run out")
        #expect(eventually(timeout: .seconds(10)) { fulcrum.accessRecords.count == 1 })
    }
}

/// Sequential short connections on a thread of their own, until told to finish or a count or duration is reached.
final class ConnectionLoop: @unchecked Sendable {
    // Counters and `stopping` are guarded by `lock`.
    private let listener: IPEndpoint
    /// Bytes each backend sends first (a greeting) before it echoes; 0 for plain echo backends.
    private let greeting: Int
    private let limit: Int
    private let duration: Duration
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var stopping = false
    private var attemptedCount = 0
    private var succeededCount = 0
    private var failureList: [String] = []

    init(listener: IPEndpoint, greeting: Int = 0, limit: Int, duration: Duration) {
        self.listener = listener
        self.greeting = greeting
        self.limit = limit
        self.duration = duration
    }

    var attempted: Int { self.lock.withLock { self.attemptedCount } }

    func start() {
        let thread = Thread { self.run() }
        thread.start()
    }

    /// Stops the loop and waits for it: (attempted, succeeded, failures).
    func finish() -> (attempted: Int, succeeded: Int, failures: [String]) {
        self.lock.withLock { self.stopping = true }
        _ = self.done.wait(timeout: .now() + 30)
        return self.lock.withLock { (self.attemptedCount, self.succeededCount, self.failureList) }
    }

    private func run() {
        defer { self.done.signal() }
        let deadline = ContinuousClock.now + self.duration
        for index in 0..<self.limit {
            if self.lock.withLock({ self.stopping }) || ContinuousClock.now >= deadline { return }
            self.lock.withLock { self.attemptedCount += 1 }
            do {
                let payload = Array(String(format: "reload-%06d", index).utf8)
                let client = try TestSocket.connect(to: self.listener, timeout: .seconds(5))
                defer { client.close() }
                if self.greeting > 0 { _ = try client.receive(exactly: self.greeting) }
                try client.send(payload)
                guard try client.receive(exactly: payload.count) == payload else {
                    throw EndToEndError("echo differs")
                }
                self.lock.withLock { self.succeededCount += 1 }
            } catch {
                self.lock.withLock { self.failureList.append("#\(index): \(error)") }
            }
        }
    }
}
