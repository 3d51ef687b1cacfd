import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// Health checking, passive ejection and retries of a real `fulcrum run` against backends that die, come back and
/// answer garbage (issue 4, SPEC §2 `health_check`, §4 `fulcrum_backend_up`, §6, §7).
@Suite("health end to end")
struct HealthEndToEndTests {
    /// interval × fall + 1 s and interval × rise + 1 s for `EndToEnd.fastHealthCheck`.
    static let detectionWindow = Duration.milliseconds(200 * 2) + .seconds(1)

    @Test("a stopped backend gets no new connection after interval×fall + 1 s, and again within interval×rise + 1 s")
    func stopAndRestart() throws {
        let stable = try RestartableEchoServer()
        let flaky = try RestartableEchoServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service(
            "web", port: port, backends: [stable.endpoint, flaky.endpoint], extra: EndToEnd.fastHealthCheck))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        #expect(eventually {
            [stable, flaky].allSatisfy { EndToEnd.health(admin, "web", $0.endpoint) == "up" }
        })
        for index in 0..<10 { try EndToEnd.exchange(listener, "warm-\(index)") }
        #expect(flaky.servedConnections == 5 && stable.servedConnections == 5, "round robin over two backends")

        flaky.stop()
        let stopped = ContinuousClock.now
        #expect(EndToEnd.holds(by: stopped + Self.detectionWindow) {
            EndToEnd.health(admin, "web", flaky.endpoint) == "down"
        }, "not down within \(Self.detectionWindow) of stopping")
        // From now on Fulcrum does not even try it: no connect attempt, no failure, no connection counted.
        let failuresBefore = EndToEnd.figure(admin, "web", flaky.endpoint, "connect_failures")
        let totalBefore = EndToEnd.figure(admin, "web", flaky.endpoint, "total_connections")
        let stableBefore = stable.servedConnections
        for index in 0..<20 { try EndToEnd.exchange(listener, "down-\(index)") }
        #expect(EndToEnd.figure(admin, "web", flaky.endpoint, "connect_failures") == failuresBefore)
        #expect(EndToEnd.figure(admin, "web", flaky.endpoint, "total_connections") == totalBefore)
        #expect(stable.servedConnections == stableBefore + 20)

        try flaky.start()
        let restarted = ContinuousClock.now
        #expect(EndToEnd.holds(by: restarted + Self.detectionWindow) {
            EndToEnd.health(admin, "web", flaky.endpoint) == "up"
        }, "not up within \(Self.detectionWindow) of restarting")
        for index in 0..<10 { try EndToEnd.exchange(listener, "back-\(index)") }
        #expect(flaky.servedPerRun.count == 2)
        #expect((flaky.servedPerRun.last ?? 0) >= 4, "round robin again: \(flaky.servedPerRun)")

        // The log pipe may lag the admin API a little.
        #expect(eventually { fixture.fulcrum.healthChanges(backend: flaky.endpoint.description).last?.health == "up" })
        let changes = fixture.fulcrum.healthChanges(backend: flaky.endpoint.description)
        #expect(changes.contains { $0.health == "down" && $0.reason == "connect refused" }, "\(changes)")
        #expect(changes.allSatisfy { $0.level == "notice" && $0.service == "web" }, "\(changes)")
        #expect(fixture.stop() == 0)
    }

    @Test("a backend giving the wrong reply to send/expect is marked down: notice log, health field, backend_up 0")
    func wrongReply() throws {
        let good = try RestartableEchoServer(probe: (request: "PING", reply: "PONG\r\n"))
        let bad = try RestartableEchoServer(probe: (request: "PING", reply: "NOPE\r\n"))
        let port = freeLoopbackPort()
        let check = EndToEnd.fastHealthCheck + "      send: \"PING\\r\\n\"\n      expect: \"PONG\"\n"
        let fixture = try AdminFixture(services: AdminFixture.service(
            "web", port: port, backends: [good.endpoint, bad.endpoint], extra: check))
        let admin = fixture.admin
        #expect(eventually {
            fixture.fulcrum.healthChanges(backend: bad.endpoint.description).contains { $0.health == "down" }
        })
        let changes = fixture.fulcrum.healthChanges(backend: bad.endpoint.description)
        let down = try #require(changes.first { $0.health == "down" }, "\(changes)")
        #expect(down.reason == "unexpected reply", "\(down)")
        #expect(down.level == "notice")
        #expect(down.service == "web")
        #expect(eventually { EndToEnd.health(admin, "web", good.endpoint) == "up" })
        #expect(EndToEnd.health(admin, "web", bad.endpoint) == "down")

        let metrics = try admin.get("/metrics").text
        let badLabels = ["service": "web", "backend": bad.endpoint.description]
        let goodLabels = ["service": "web", "backend": good.endpoint.description]
        #expect(EndToEnd.sample(metrics, "fulcrum_backend_up", badLabels) == 0)
        #expect(EndToEnd.sample(metrics, "fulcrum_backend_up", goodLabels) == 1)

        for index in 0..<10 { try EndToEnd.exchange(fixture.endpoint(port: port), "client-\(index)") }
        #expect(good.servedConnections == 10)
        #expect(bad.servedConnections == 0)
        #expect(fixture.stop() == 0)
    }

    @Test("passive ejection: 3 refused connects mark it down, retries serve the clients, it comes back unchecked")
    func passiveEjection() throws {
        let good = try RestartableEchoServer()
        let dead = try RestartableEchoServer()
        dead.stop()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, backends: [dead.endpoint, good.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        // Round robin sends every other connection to the dead one: each is retried on the good one.
        for index in 0..<10 { try EndToEnd.exchange(listener, "retry-\(index)") }
        #expect(good.servedConnections == 10)
        #expect(eventually { EndToEnd.health(admin, "web", dead.endpoint) == "down" })
        #expect(eventually { !fixture.fulcrum.healthChanges(backend: dead.endpoint.description).isEmpty })
        let ejected = fixture.fulcrum.healthChanges(backend: dead.endpoint.description)
        #expect(ejected.count == 1, "\(ejected)")
        #expect(ejected.first?.previous == "unchecked" && ejected.first?.health == "down", "\(ejected)")
        #expect(ejected.first?.reason.hasPrefix("3 consecutive connect failures") == true, "\(ejected)")
        #expect(ejected.first?.level == "notice")
        // Once it is down, Fulcrum no longer tries it: the failure count stands still while clients keep coming.
        // (A connection picked while the ejection was on its way to the data plane may have added a fourth.)
        let failures = try #require(EndToEnd.figure(admin, "web", dead.endpoint, "connect_failures"))
        #expect(failures >= 3)
        for index in 0..<10 { try EndToEnd.exchange(listener, "ejected-\(index)") }
        #expect(EndToEnd.figure(admin, "web", dead.endpoint, "connect_failures") == failures)
        #expect(good.servedConnections == 20)

        // The backend comes back to life; the first ejection lasts 10 s (SPEC §7), then it is unchecked again.
        try dead.start()
        #expect(eventually(timeout: .seconds(14)) { EndToEnd.health(admin, "web", dead.endpoint) == "unchecked" })
        // The log line may reach the pipe a little after the admin API shows the change.
        let changes = { fixture.fulcrum.healthChanges(backend: dead.endpoint.description) }
        #expect(eventually { changes().count == 2 }, "\(changes())")
        #expect(changes().last?.previous == "down" && changes().last?.health == "unchecked", "\(changes())")
        #expect(changes().last?.reason == "ejection ended", "\(changes())")
        for index in 0..<10 { try EndToEnd.exchange(listener, "back-\(index)") }
        #expect(dead.servedConnections >= 4, "round robin includes it again: \(dead.servedPerRun)")
        #expect(fixture.stop() == 0)
    }

    @Test("faults survived: 2,000 sequential connections while one of three backends is stopped and restarted twice")
    func faultsSurvived() throws {
        let backends = try (0..<3).map { _ in try RestartableEchoServer() }
        let victim = backends[1]
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service(
            "web", port: port, backends: backends.map(\.endpoint), extra: EndToEnd.fastHealthCheck))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)
        #expect(eventually { backends.allSatisfy { EndToEnd.health(admin, "web", $0.endpoint) == "up" } })

        // Faults between connections, as a backend process would die: a connection cut while it is on the dying
        // backend is lost whatever the balancer does, so the loop only races the detection, which is the point.
        let faults: [Int: Bool] = [400: false, 800: true, 1200: false, 1600: true]
        let total = 2000
        let pace = Duration.milliseconds(5)
        let started = ContinuousClock.now
        let deadline = started + .seconds(60)
        var attempted = 0
        var failures: [String] = []
        for index in 0..<total where ContinuousClock.now < deadline {
            if let restart = faults[index] {
                if restart { try victim.start() } else { victim.stop() }
            }
            EndToEnd.pause(until: started + pace * index)
            attempted += 1
            let payload = Array(String(format: "connection-%06d", index).utf8)
            do {
                try EndToEnd.exchange(listener, payload: payload)
            } catch {
                failures.append("#\(index): \(error)")
            }
        }
        let elapsed = ContinuousClock.now - started
        let served = backends.map(\.servedConnections)
        let totals = backends.map { EndToEnd.figure(admin, "web", $0.endpoint, "total_connections") ?? -1 }
        let connectFailures = backends.map { EndToEnd.figure(admin, "web", $0.endpoint, "connect_failures") ?? -1 }
        print("""
            faults survived: \(attempted) connections attempted in \(elapsed), \(attempted - failures.count) \
            succeeded, \(failures.count) failed; served per backend \(served) (victim per run \
            \(victim.servedPerRun)); admin total_connections \(totals), connect_failures \(connectFailures)
            """)
        #expect(attempted == total)
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        // Every successful connection reached exactly one backend.
        #expect(served.reduce(0, +) == attempted - failures.count)
        // The victim came back after each restart.
        #expect(victim.servedPerRun.count == 3)
        #expect(victim.servedPerRun.allSatisfy { $0 > 0 }, "\(victim.servedPerRun)")
        #expect(fixture.stop() == 0)
    }

    @Test("all backends down: a TCP connection is closed at once and counted as no_backend")
    func allBackendsDown() throws {
        let dead = try (0..<2).map { _ in try RestartableEchoServer() }
        for backend in dead { backend.stop() }
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service(
            "web", port: port, backends: dead.map(\.endpoint), extra: EndToEnd.fastHealthCheck))
        let admin = fixture.admin
        #expect(eventually { dead.allSatisfy { EndToEnd.health(admin, "web", $0.endpoint) == "down" } })
        for _ in 0..<3 {
            let client = try TestSocket.connect(to: fixture.endpoint(port: port))
            #expect(client.waitForClose(timeout: .seconds(2)), "closed at once, not left hanging")
            client.close()
        }
        let rejected = { (try? admin.service("web"))?["rejected"] as? [String: Int] }
        #expect(eventually { rejected()?["no_backend"] == 3 }, "\(String(describing: rejected()))")
        #expect(rejected()?.filter { $0.key != "no_backend" }.values.allSatisfy { $0 == 0 } == true)
        #expect(eventually { fixture.fulcrum.accessRecords(ending: "rejected:no_backend").count == 3 })
        let metrics = try admin.get("/metrics").text
        #expect(EndToEnd.sample(
            metrics, "fulcrum_rejected_connections_total", ["service": "web", "reason": "no_backend"]) == 3)
        #expect(dead.allSatisfy { $0.servedConnections == 0 })
        #expect(fixture.stop() == 0)
    }
}
