import FulcrumNet
import FulcrumTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import FulcrumHealth

/// The monitor's timing on a testing event loop: probes are scripted and time moves only when the test advances
/// it, so every bound is an exact instant (no sleeping, no machine-speed window). The probers' real network
/// behaviour is tested in TCPProberTests/UDPProberTests, the whole path in the end-to-end health tests.
@Suite struct HealthMonitorTests {
    final class Changes: Sendable {
        let list = Mutex<[HealthChange]>([])

        var all: [HealthChange] { self.list.withLock { $0 } }
        var healths: [BackendHealth] { self.all.map(\.to) }

        func record(_ change: HealthChange) {
            self.list.withLock { $0.append(change) }
        }
    }

    struct Harness {
        let loop = NIOAsyncTestingEventLoop()
        let probe = ScriptedProbe()
        let changes = Changes()
        let monitor: HealthMonitor
        let logs: CapturingLogHandler.Store

        init(passivePolicy: PassiveEjectionPolicy = .standard, jitter: Jitter = .none) {
            let (logger, logs) = CapturingLogHandler.logger()
            let changes = self.changes
            self.logs = logs
            self.monitor = HealthMonitor(
                group: self.loop, logger: logger, jitter: jitter, passivePolicy: passivePolicy,
                random: SeededGenerator(seed: 11), probe: self.probe.probe, onChange: { changes.record($0) })
        }

        /// The loop's time since its origin.
        var elapsed: TimeAmount { .nanoseconds(Int64(self.loop.now.uptimeNanoseconds)) }

        func health(_ key: HealthTargetKey) -> BackendHealth? { self.monitor.health(of: key) }

        /// Runs what is due now (work handed to the loop from the test).
        func settle() async { await self.loop.run() }

        func advance(by amount: TimeAmount) async { await self.loop.advanceTime(by: amount) }

        /// Advances in `step`s until `condition` holds or `limit` passed; the loop time at which it held.
        func advance(
            by step: TimeAmount, until condition: () -> Bool, within limit: TimeAmount
        ) async -> TimeAmount? {
            let start = self.elapsed
            while self.elapsed - start <= limit {
                if condition() { return self.elapsed }
                await self.loop.advanceTime(by: step)
            }
            return condition() ? self.elapsed : nil
        }

        /// Shuts the monitor down (it waits for running probes, so time keeps moving meanwhile), then the loop.
        func finish() async throws {
            try await self.stopMonitor()
            await self.loop.shutdownGracefully()
        }

        func stopMonitor() async throws {
            let stopped = Atomic(false)
            let monitor = self.monitor
            let stopping = Task {
                await monitor.shutdown()
                stopped.store(true, ordering: .releasing)
            }
            for _ in 0..<1000 where !stopped.load(ordering: .acquiring) {
                await self.loop.advanceTime(by: .milliseconds(100))
                await Task.yield()
            }
            await stopping.value
            // Cancelled timers fail their promises through the loop: let that happen before the loop closes.
            await self.loop.run()
        }
    }

    let key = HealthTargetKey(service: "web", backend: "127.0.0.1:9001")
    let backend = IPEndpoint(address: .v4(0x7F00_0001), port: 9001)

    func target(_ check: HealthCheckSpec?) -> HealthTarget {
        HealthTarget(key: self.key, endpoint: self.backend, check: check)
    }

    @Test func stoppedBackendGoesDownAndComesBack() async throws {
        let harness = Harness()
        let spec = HealthCheckSpec(interval: .milliseconds(200), timeout: .milliseconds(500), rise: 2, fall: 2)
        harness.monitor.setTargets([self.target(spec)])

        // The first check runs at once (SPEC §7; handed to the loop, which may run it before the next line) and one
        // pass makes the unchecked backend up.
        await harness.settle()
        #expect(harness.health(self.key) == .up)
        #expect(harness.changes.all.first?.from == .unchecked)
        #expect(harness.probe.starts(of: self.backend) == [.zero])

        // Refused from 300 ms on: the probes at 400 and 600 ms fail, and the second failure in a row (fall 2) marks
        // it down, well inside interval × fall + 1 s.
        await harness.advance(by: .milliseconds(300))
        harness.probe.set(self.backend, .failure(.connectRefused))
        let down = await harness.advance(
            by: .milliseconds(10), until: { harness.health(self.key) == .down }, within: .seconds(2))
        #expect(down == .milliseconds(600))

        // Back: two passes (rise 2) at the interval, well inside interval × rise + 1 s.
        harness.probe.set(self.backend, .success)
        let up = await harness.advance(
            by: .milliseconds(10), until: { harness.health(self.key) == .up }, within: .seconds(2))
        #expect(up == .milliseconds(1000))
        #expect(harness.probe.starts(of: self.backend) == [0, 200, 400, 600, 800, 1000].map { .milliseconds($0) })

        #expect(harness.changes.healths == [.up, .down, .up])
        #expect(harness.changes.all[1].reason == .checkFailed(.connectRefused))
        let notices = harness.logs.all.filter { $0.level == .notice }
        #expect(notices.count == 3)
        #expect(notices[1].metadata["reason"] == "connect refused")
        #expect(notices[1].metadata["service"] == "web")
        #expect(notices[1].metadata["backend"] == "127.0.0.1:9001")
        #expect(notices[1].metadata["health"] == "down")
        #expect(notices[1].metadata["previous"] == "up")
        try await harness.finish()
    }

    @Test func failedCheckReasonIsReported() async throws {
        let harness = Harness()
        harness.probe.set(self.backend, .failure(.unexpectedReply))
        let spec = HealthCheckSpec(interval: .milliseconds(100), timeout: .milliseconds(500), rise: 1, fall: 2)
        harness.monitor.setTargets([self.target(spec)])
        let down = await harness.advance(
            by: .milliseconds(10), until: { harness.health(self.key) == .down }, within: .seconds(1))
        // From unchecked, failures are not suspect (no proxied failure): the second comes at the interval.
        #expect(down == .milliseconds(100))
        #expect(harness.changes.all.map(\.reason) == [.checkFailed(.unexpectedReply)])
        try await harness.finish()
    }

    @Test func proxiedFailureEjectsWithinAboutOneCheck() async throws {
        let harness = Harness()
        // A long interval: without passive detection, going down would take 2 × 30 s.
        let spec = HealthCheckSpec(interval: .seconds(30), timeout: .milliseconds(500), rise: 2, fall: 2)
        harness.monitor.setTargets([self.target(spec)])
        await harness.settle()
        #expect(harness.health(self.key) == .up)

        await harness.advance(by: .seconds(1))
        harness.probe.set(self.backend, .failure(.connectRefused))
        let reporter = try #require(harness.monitor.reporter(for: self.key))
        reporter.connectFailed()
        await harness.settle()
        // The proxied failure counts once and asks for a probe at once; its failure is the second in a row.
        #expect(harness.health(self.key) == .down)
        #expect(harness.elapsed == .seconds(1))
        #expect(harness.probe.starts(of: self.backend) == [.zero, .seconds(1)])
        #expect(harness.changes.all.last?.reason == .checkFailed(.connectRefused))
        try await harness.finish()
    }

    @Test func passiveEjectionWithoutHealthCheck() async throws {
        let policy = PassiveEjectionPolicy(threshold: 3, baseDuration: .milliseconds(300), maxDuration: .seconds(1))
        let harness = Harness(passivePolicy: policy)
        harness.monitor.setTargets([self.target(nil)])
        let reporter = try #require(harness.monitor.reporter(for: self.key))
        #expect(harness.health(self.key) == .unchecked)

        reporter.connectFailed()
        reporter.connectFailed()
        await harness.settle()
        // A success in between resets the count.
        reporter.connectSucceeded()
        reporter.connectFailed()
        reporter.connectFailed()
        await harness.settle()
        #expect(harness.health(self.key) == .unchecked)

        reporter.connectFailed()
        await harness.settle()
        #expect(harness.health(self.key) == .down)
        #expect(harness.changes.all.first?.reason == .ejected(failures: 3, duration: .milliseconds(300)))

        // The ejection ends by itself, exactly when its time runs out.
        await harness.advance(by: .milliseconds(299))
        #expect(harness.health(self.key) == .down)
        await harness.advance(by: .milliseconds(1))
        #expect(harness.health(self.key) == .unchecked)
        #expect(harness.changes.healths == [.down, .unchecked])

        // A second ejection without a success in between lasts twice as long.
        for _ in 0..<3 { reporter.connectFailed() }
        await harness.settle()
        #expect(harness.changes.all.last?.reason == .ejected(failures: 3, duration: .milliseconds(600)))
        await harness.advance(by: .milliseconds(599))
        #expect(harness.health(self.key) == .down)
        await harness.advance(by: .milliseconds(1))
        #expect(harness.health(self.key) == .unchecked)
        // No probe ever ran: there is no health_check.
        #expect(harness.probe.count(of: self.backend) == 0)
        try await harness.finish()
    }

    @Test func targetsThatStayKeepTheirStateAndRemovedOnesStop() async throws {
        let harness = Harness()
        let otherKey = HealthTargetKey(service: "web", backend: "other")
        let otherBackend = IPEndpoint(address: .v4(0x7F00_0001), port: 9002)
        let spec = HealthCheckSpec(interval: .milliseconds(100), timeout: .milliseconds(500), rise: 2, fall: 2)
        harness.monitor.setTargets([
            self.target(spec), HealthTarget(key: otherKey, endpoint: otherBackend, check: spec),
        ])
        await harness.settle()
        #expect(harness.health(self.key) == .up && harness.health(otherKey) == .up)

        // Reload: `other` removed, `key` kept with a changed interval: its next probe runs at once, then every 150 ms.
        var slower = spec
        slower.interval = .milliseconds(150)
        harness.monitor.setTargets([self.target(slower)])
        #expect(harness.health(otherKey) == nil)
        await harness.advance(by: .milliseconds(50))
        let otherProbes = harness.probe.count(of: otherBackend)
        await harness.advance(by: .milliseconds(400))
        #expect(harness.probe.count(of: otherBackend) == otherProbes)
        #expect(harness.probe.starts(of: self.backend) == [0, 0, 150, 300, 450].map { .milliseconds($0) })
        #expect(harness.health(self.key) == .up)
        #expect(harness.changes.all.count == 2)

        // After shutdown no probe starts any more, however long time runs.
        try await harness.stopMonitor()
        let probes = harness.probe.count(of: self.backend)
        await harness.advance(by: .seconds(10))
        #expect(harness.probe.count(of: self.backend) == probes)
        #expect(harness.health(self.key) == nil)
        await harness.loop.shutdownGracefully()
    }

    @Test func switchingToPassiveRestartsAsUnchecked() async throws {
        let harness = Harness()
        harness.probe.set(self.backend, .failure(.connectRefused))
        let spec = HealthCheckSpec(interval: .milliseconds(100), timeout: .milliseconds(500), rise: 1, fall: 1)
        harness.monitor.setTargets([self.target(spec)])
        await harness.settle()
        #expect(harness.health(self.key) == .down)
        harness.monitor.setTargets([self.target(nil)])
        await harness.settle()
        #expect(harness.health(self.key) == .unchecked)
        #expect(harness.changes.all.last?.reason == .checkReconfigured)
        // Passive from now on: no more probes.
        let probes = harness.probe.count(of: self.backend)
        await harness.advance(by: .seconds(1))
        #expect(harness.probe.count(of: self.backend) == probes)
        try await harness.finish()
    }

    /// SPEC §8.5: a timeout longer than the interval is valid; probes of one backend never overlap, and the next
    /// starts `interval` after the previous one started, or when it ends if that is later.
    @Test func probesNeverOverlapAndAreSpacedStartToStart() async throws {
        let harness = Harness()
        let slow = IPEndpoint(address: .v4(0x7F00_0001), port: 9003)
        let slowKey = HealthTargetKey(service: "web", backend: "slow")
        harness.probe.set(self.backend, .success, taking: .milliseconds(400))
        harness.probe.set(slow, .success, taking: .milliseconds(2500))
        let spec = HealthCheckSpec(interval: .seconds(1), timeout: .seconds(3), rise: 1, fall: 1)
        harness.monitor.setTargets([
            self.target(spec), HealthTarget(key: slowKey, endpoint: slow, check: spec),
        ])
        await harness.settle()
        await harness.advance(by: .milliseconds(5500))
        // A 400 ms probe every second, counted from its start.
        #expect(harness.probe.starts(of: self.backend) == [0, 1000, 2000, 3000, 4000, 5000].map { .milliseconds($0) })
        // A 2.5 s probe: the next starts when it ends.
        #expect(harness.probe.starts(of: slow) == [0, 2500, 5000].map { .milliseconds($0) })
        #expect(harness.probe.maximumOverlap(of: self.backend) == 1)
        #expect(harness.probe.maximumOverlap(of: slow) == 1)
        #expect(harness.health(slowKey) == .up)
        try await harness.finish()
    }

    @Test func probeLongerThanTimeoutFailsAtTheTimeout() async throws {
        let harness = Harness()
        harness.probe.set(self.backend, .success, taking: .seconds(10))
        let spec = HealthCheckSpec(interval: .seconds(1), timeout: .seconds(2), rise: 1, fall: 1)
        harness.monitor.setTargets([self.target(spec)])
        let down = await harness.advance(
            by: .milliseconds(100), until: { harness.health(self.key) == .down }, within: .seconds(5))
        #expect(down == .seconds(2))
        #expect(harness.changes.all.map(\.reason) == [.checkFailed(.timeout)])
        try await harness.finish()
    }

    @Test func jitterSpreadsTheChecksOfManyBackends() async throws {
        let harness = Harness(jitter: .standard)
        let spec = HealthCheckSpec(interval: .seconds(1), timeout: .milliseconds(500), rise: 1, fall: 1)
        let backends = (0..<20).map { IPEndpoint(address: .v4(0x7F00_0001), port: UInt16(9100 + $0)) }
        harness.monitor.setTargets(backends.enumerated().map { index, endpoint in
            HealthTarget(key: HealthTargetKey(service: "web", backend: "b\(index)"), endpoint: endpoint, check: spec)
        })
        await harness.settle()
        await harness.advance(by: .milliseconds(1150))
        // Everyone's first probe ran at once; their second ones fell anywhere within ±10 % of the interval.
        let seconds = backends.compactMap { harness.probe.starts(of: $0).dropFirst().first }
        #expect(seconds.count == backends.count)
        #expect(seconds.allSatisfy { $0 >= .milliseconds(900) && $0 <= .milliseconds(1100) })
        #expect(Set(seconds).count > 15)
        try await harness.finish()
    }
}
