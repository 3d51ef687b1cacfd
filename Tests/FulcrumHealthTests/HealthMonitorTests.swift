import FulcrumNet
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import FulcrumHealth

/// End to end on loopback: real probes, real timers. Bounds are correctness windows from SPEC/issue 4
/// (interval × fall + 1 s, interval × rise + 1 s), not performance figures.
@Suite struct HealthMonitorTests {
    final class Changes: Sendable {
        let list = Mutex<[HealthChange]>([])

        var all: [HealthChange] { self.list.withLock { $0 } }

        func record(_ change: HealthChange) {
            self.list.withLock { $0.append(change) }
        }

        func count(to health: BackendHealth) -> Int {
            self.all.count { $0.to == health }
        }

        /// Waits until `count` changes are recorded. The monitor's state changes first and `onChange` runs right
        /// after, on an event loop, so a test that saw the new state must wait for the callback before reading here.
        func reach(_ count: Int) async -> Bool {
            await eventually(within: .seconds(2)) { self.all.count >= count }
        }
    }

    let key = HealthTargetKey(service: "web", backend: "127.0.0.1:9001")
    let clock = ContinuousClock()

    func makeMonitor(
        passivePolicy: PassiveEjectionPolicy = .standard
    ) -> (HealthMonitor, Changes, CapturingLogHandler.Store) {
        let changes = Changes()
        let (logger, logs) = CapturingLogHandler.logger()
        let monitor = HealthMonitor(
            group: MultiThreadedEventLoopGroup.singleton,
            logger: logger,
            passivePolicy: passivePolicy,
            random: SplitMix64(seed: 11),
            onChange: { changes.record($0) }
        )
        return (monitor, changes, logs)
    }

    @Test func stoppedBackendGoesDownAndComesBack() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        let port = server.port
        let (monitor, changes, logs) = self.makeMonitor()
        let spec = HealthCheckSpec(interval: .milliseconds(200), timeout: .milliseconds(500), rise: 2, fall: 2)
        monitor.setTargets([HealthTarget(key: self.key, endpoint: loopback(port), check: spec)])
        #expect(monitor.health(of: self.key) == .unchecked)

        // The first check runs at once.
        #expect(await eventually(within: .seconds(2)) { monitor.health(of: self.key) == .up })

        try await server.close()
        let stopped = self.clock.now
        #expect(await eventually(within: .seconds(5)) { monitor.health(of: self.key) == .down })
        #expect(stopped.duration(to: self.clock.now) <= .milliseconds(200 * 2) + .seconds(1))

        let restarted = try await TCPTestServer.start(behavior: .silent, port: port)
        let restart = self.clock.now
        #expect(await eventually(within: .seconds(5)) { monitor.health(of: self.key) == .up })
        #expect(restart.duration(to: self.clock.now) <= .milliseconds(200 * 2) + .seconds(1))

        #expect(await changes.reach(3))
        #expect(changes.all.map(\.to) == [.up, .down, .up])
        #expect(changes.all[1].reason == .checkFailed(.connectRefused))
        let notices = logs.all.filter { $0.level == .notice }
        #expect(notices.count == 3)
        #expect(notices[1].metadata["reason"] == "connect refused")
        #expect(notices[1].metadata["service"] == "web")
        #expect(notices[1].metadata["backend"] == "127.0.0.1:9001")
        #expect(notices[1].metadata["health"] == "down")

        await monitor.shutdown()
        try await restarted.close()
    }

    @Test func wrongReplyMarksDown() async throws {
        let server = try await TCPTestServer.start(behavior: .write(segments: [Array("500 no")], thenClose: true))
        defer { Task { try? await server.close() } }
        let (monitor, changes, _) = self.makeMonitor()
        let spec = HealthCheckSpec(
            interval: .milliseconds(100),
            timeout: .milliseconds(500),
            rise: 1,
            fall: 2,
            expect: Array("200 ok")
        )
        monitor.setTargets([HealthTarget(key: self.key, endpoint: server.endpoint, check: spec)])
        #expect(await eventually(within: .seconds(5)) { monitor.health(of: self.key) == .down })
        #expect(await changes.reach(1))
        #expect(changes.all.first?.reason == .checkFailed(.unexpectedReply))
        await monitor.shutdown()
    }

    @Test func proxiedFailureEjectsWithinAboutOneCheck() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        let (monitor, changes, _) = self.makeMonitor()
        // A long interval: without passive detection, going down would take 2 × 30 s.
        let spec = HealthCheckSpec(interval: .seconds(30), timeout: .milliseconds(500), rise: 2, fall: 2)
        monitor.setTargets([HealthTarget(key: self.key, endpoint: server.endpoint, check: spec)])
        #expect(await eventually(within: .seconds(2)) { monitor.health(of: self.key) == .up })

        try await server.close()
        let reporter = try #require(monitor.reporter(for: self.key))
        reporter.connectFailed()
        #expect(await eventually(within: .seconds(3)) { monitor.health(of: self.key) == .down })
        // The closed port refuses; on a loaded machine the 500 ms probe may time out first. Either is the check
        // failing, which is what this test is about.
        #expect(await changes.reach(2))
        let reason = changes.all.last?.reason
        #expect(reason == .checkFailed(.connectRefused) || reason == .checkFailed(.timeout), "\(String(describing: reason))")
        await monitor.shutdown()
    }

    @Test func passiveEjectionWithoutHealthCheck() async throws {
        let policy = PassiveEjectionPolicy(
            threshold: 3,
            baseDuration: .milliseconds(300),
            maxDuration: .seconds(1)
        )
        let (monitor, changes, _) = self.makeMonitor(passivePolicy: policy)
        monitor.setTargets([HealthTarget(key: self.key, endpoint: loopback(9), check: nil)])
        #expect(monitor.health(of: self.key) == .unchecked)

        monitor.reportConnectResult(key: self.key, success: false)
        monitor.reportConnectResult(key: self.key, success: false)
        // A success in between resets the count.
        monitor.reportConnectResult(key: self.key, success: true)
        monitor.reportConnectResult(key: self.key, success: false)
        monitor.reportConnectResult(key: self.key, success: false)
        try await Task.sleep(for: .milliseconds(100))
        #expect(monitor.health(of: self.key) == .unchecked)

        monitor.reportConnectResult(key: self.key, success: false)
        #expect(await eventually(within: .seconds(2)) { monitor.health(of: self.key) == .down })
        #expect(await changes.reach(1))
        #expect(changes.all.first?.reason == .ejected(failures: 3, duration: .milliseconds(300)))
        // The ejection ends by itself.
        #expect(await eventually(within: .seconds(3)) { monitor.health(of: self.key) == .unchecked })
        #expect(await changes.reach(2))
        #expect(changes.all.map(\.to) == [.down, .unchecked])

        // A second ejection without a success in between lasts twice as long.
        for _ in 0..<3 {
            monitor.reportConnectResult(key: self.key, success: false)
        }
        #expect(await eventually(within: .seconds(2)) { changes.all.count == 3 })
        #expect(changes.all.last?.reason == .ejected(failures: 3, duration: .milliseconds(600)))
        await monitor.shutdown()
    }

    @Test func targetsThatStayKeepTheirStateAndRemovedOnesStop() async throws {
        let server = try await TCPTestServer.start(behavior: .silent)
        defer { Task { try? await server.close() } }
        let other = HealthTargetKey(service: "web", backend: "other")
        let (monitor, changes, _) = self.makeMonitor()
        let spec = HealthCheckSpec(interval: .milliseconds(100), timeout: .milliseconds(500), rise: 2, fall: 2)
        monitor.setTargets([
            HealthTarget(key: self.key, endpoint: server.endpoint, check: spec),
            HealthTarget(key: other, endpoint: server.endpoint, check: spec),
        ])
        #expect(
            await eventually(within: .seconds(2)) {
                monitor.health(of: self.key) == .up && monitor.health(of: other) == .up
            }
        )

        // Reload: `other` removed, `key` kept with a changed interval.
        var slower = spec
        slower.interval = .milliseconds(150)
        monitor.setTargets([HealthTarget(key: self.key, endpoint: server.endpoint, check: slower)])
        #expect(monitor.health(of: other) == nil)
        try await Task.sleep(for: .milliseconds(300))
        #expect(monitor.health(of: self.key) == .up)
        #expect(changes.all.count == 2)

        // After shutdown no probe reaches the server any more.
        await monitor.shutdown()
        let accepted = server.acceptedCount
        try await Task.sleep(for: .milliseconds(400))
        #expect(server.acceptedCount == accepted)
        #expect(monitor.health(of: self.key) == nil)
    }

    @Test func switchingToPassiveRestartsAsUnchecked() async throws {
        let port = try await closedPort()
        let (monitor, changes, _) = self.makeMonitor()
        let spec = HealthCheckSpec(interval: .milliseconds(100), timeout: .milliseconds(500), rise: 1, fall: 1)
        monitor.setTargets([HealthTarget(key: self.key, endpoint: loopback(port), check: spec)])
        #expect(await eventually(within: .seconds(2)) { monitor.health(of: self.key) == .down })
        monitor.setTargets([HealthTarget(key: self.key, endpoint: loopback(port), check: nil)])
        #expect(await eventually(within: .seconds(2)) { monitor.health(of: self.key) == .unchecked })
        #expect(changes.all.last?.reason == .checkReconfigured)
        await monitor.shutdown()
    }

    @Test func udpBackendIsChecked() async throws {
        let server = try await UDPTestServer.start(behavior: .reply(Array("PONG")))
        let (monitor, _, _) = self.makeMonitor()
        let spec = HealthCheckSpec(
            transport: .udp,
            interval: .milliseconds(100),
            timeout: .milliseconds(300),
            rise: 1,
            fall: 1,
            send: Array("PING"),
            expect: Array("PONG")
        )
        monitor.setTargets([HealthTarget(key: self.key, endpoint: server.endpoint, check: spec)])
        #expect(await eventually(within: .seconds(2)) { monitor.health(of: self.key) == .up })
        try await server.close()
        #expect(await eventually(within: .seconds(3)) { monitor.health(of: self.key) == .down })
        await monitor.shutdown()
    }
}
