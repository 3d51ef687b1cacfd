import FulcrumNet
import FulcrumTestSupport
import Testing

@testable import FulcrumDiscovery

/// The etcd source against a real etcd started by the test (Debian's `etcd-server`). One etcd at a time
/// (`.serialized`): each test starts its own, and several at once on a small loaded machine would only measure the
/// machine. Waits are bounded generously and end as soon as what they wait for happened.
@Suite(.serialized, .enabled(if: EtcdServer.isAvailable, "needs etcd (Debian: apt-get install etcd-server)"))
struct EtcdDiscoverySourceTests {
    static let prefix = "/fulcrum/db/"

    /// Short back-off, seeded, so that a reconnect after a restart is quick and the same on every run.
    static func source(
        _ endpoints: [String],
        timing: EtcdTiming = Self.timing
    ) -> EtcdDiscoverySource {
        EtcdDiscoverySource(
            settings: EtcdDiscoverySettings(endpoints: endpoints, prefix: Self.prefix),
            timing: timing,
            backoff: Backoff(initial: .milliseconds(50), maximum: .milliseconds(500)),
            random: SeededGenerator(seed: 7)
        )
    }

    /// The standard timing, with room for a loaded machine in the liveness check.
    static let timing = EtcdTiming(
        connect: .seconds(2),
        request: .seconds(10),
        livenessInterval: .seconds(5),
        livenessTimeout: .seconds(10),
        coalescingWindow: .milliseconds(100)
    )

    @Test func theFirstReadReportsEveryKeyUnderThePrefix() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", "127.0.0.1:9001")
        try etcd.put(Self.prefix + "b", " [::1]:9002\n")
        try etcd.put(Self.prefix + "c", "localhost:9003")
        // Under neither: the same text without the slash, and a sibling prefix.
        try etcd.put("/fulcrum/dbx", "127.0.0.1:9998")
        try etcd.put("/fulcrum/other/a", "127.0.0.1:9999")
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([etcd.clientURL]))

        #expect(await eventually { recorder.latest != nil }, "no snapshot; failures: \(recorder.failures)")
        let first = try #require(recorder.snapshots.first)
        #expect(first.addresses == ["127.0.0.1:9001", "[::1]:9002", "localhost:9003"])
        #expect(first.backends.map(\.endpoint.description) == ["127.0.0.1:9001", "[::1]:9002", "127.0.0.1:9003"])
        #expect(first.backends.allSatisfy { $0.weight == 1 })
        #expect(recorder.rejections.isEmpty)
        #expect(await recorder.cancel() != nil)
    }

    @Test func putsAndDeletesAreReportedWithinASecond() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "base", "127.0.0.1:9000")
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([etcd.clientURL]))
        #expect(await eventually { recorder.latest == ["127.0.0.1:9000"] }, "failures: \(recorder.failures)")

        var latencies: [Duration] = []
        for index in 1...20 {
            let key = Self.prefix + "k\(index)"
            let address = "127.0.0.1:\(9100 + index)"
            let putAt = ContinuousClock.now
            try etcd.put(key, address)
            #expect(await eventually { recorder.latest?.contains(address) == true }, "put \(key)")
            if let snapshot = recorder.firstSnapshot(since: putAt, where: { $0.contains(address) }) {
                latencies.append(snapshot.at - putAt)
            }

            let deleteAt = ContinuousClock.now
            try etcd.delete(key)
            #expect(await eventually { recorder.latest == ["127.0.0.1:9000"] }, "delete \(key)")
            if let snapshot = recorder.firstSnapshot(since: deleteAt, where: { !$0.contains(address) }) {
                latencies.append(snapshot.at - deleteAt)
            }
        }
        #expect(latencies.count == 40)
        let sorted = latencies.sorted()
        let median = sorted[sorted.count / 2]
        print("etcd write -> snapshot over \(sorted.count) writes: median \(median), max \(sorted.last!)")
        // Only the snapshots the writes caused: one per write, no failure on the way.
        #expect(recorder.snapshots.count == 41)
        #expect(recorder.failures.isEmpty)
        #expect(await recorder.cancel() != nil)
    }

    @Test func quickWritesAreReportedAsOneSnapshot() async throws {
        let etcd = try EtcdServer()
        for index in 1...4 { try etcd.put(Self.prefix + "k\(index)", "127.0.0.1:\(9000 + index)") }
        let recorder = DiscoveryRecorder()
        // A window far longer than three local writes take, even on a loaded machine.
        var timing = Self.timing
        timing.coalescingWindow = .seconds(5)
        recorder.run(Self.source([etcd.clientURL], timing: timing))
        #expect(await eventually { recorder.latest?.count == 4 })

        let start = ContinuousClock.now
        for index in 1...3 { try etcd.delete(Self.prefix + "k\(index)") }
        let writing = ContinuousClock.now - start
        try #require(writing < timing.coalescingWindow, "the writes took \(writing), longer than the window")
        #expect(await eventually { recorder.latest == ["127.0.0.1:9004"] })
        #expect(recorder.snapshots.map(\.backends.count) == [4, 1])
        #expect(await recorder.cancel() != nil)
    }

    @Test func jsonValuesGiveWeights() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", #"{"address": "127.0.0.1:9001", "weight": 5}"#)
        try etcd.put(Self.prefix + "b", #"{"address":"[::1]:9002","weight":0}"#)
        try etcd.put(Self.prefix + "c", #" {"address": "127.0.0.1:9003"} "#)
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([etcd.clientURL]))
        #expect(await eventually { recorder.latest?.count == 3 })
        let weights = recorder.snapshots.last.map { $0.backends.map { "\($0.address)=\($0.weight)" } }
        #expect(weights == ["127.0.0.1:9001=5", "[::1]:9002=0", "127.0.0.1:9003=1"])

        try etcd.put(Self.prefix + "a", #"{"address": "127.0.0.1:9001", "weight": 7}"#)
        #expect(await eventually { recorder.snapshots.last?.backends.first?.weight == 7 })
        #expect(recorder.rejections.isEmpty)
        #expect(await recorder.cancel() != nil)
    }

    @Test func malformedValuesAreRejectedWithTheirKeysAndTheOthersStillCount() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", "127.0.0.1:9001")
        try etcd.put(Self.prefix + "bad-text", "not an address")
        try etcd.put(Self.prefix + "bad-field", #"{"address": "127.0.0.1:9002", "wieght": 2}"#)
        try etcd.put(Self.prefix + "bad-weight", #"{"address": "127.0.0.1:9003", "weight": 20000}"#)
        try etcd.put(Self.prefix + "bad-json", #"{"address": "#)
        try etcd.put(Self.prefix + "empty", "")
        try etcd.put(Self.prefix + "z-duplicate", "127.0.0.1:9001")
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([etcd.clientURL]))
        #expect(await eventually { recorder.latest != nil })
        #expect(recorder.latest == ["127.0.0.1:9001"])
        let rejectedKeys = Set(recorder.rejections.map(\.key))
        #expect(
            rejectedKeys
                == Set(
                    ["bad-text", "bad-field", "bad-weight", "bad-json", "empty", "z-duplicate"].map {
                        Self.prefix + $0
                    }
                )
        )
        #expect(recorder.rejections.contains { $0.key.hasSuffix("bad-field") && $0.reason.contains("wieght") })
        #expect(recorder.rejections.contains { $0.key.hasSuffix("z-duplicate") && $0.reason.contains("duplicate") })

        // Written while watched: reported again; a bad value over a good key keeps the good backend.
        let before = recorder.rejections.count
        try etcd.put(Self.prefix + "a", "garbage")
        try etcd.put(Self.prefix + "n", "127.0.0.1:9005")
        #expect(await eventually { recorder.latest == ["127.0.0.1:9001", "127.0.0.1:9005"] })
        #expect(recorder.rejections.dropFirst(before).map(\.key) == [Self.prefix + "a"])
        #expect(recorder.snapshots.allSatisfy { !$0.backends.isEmpty })
        #expect(await recorder.cancel() != nil)
    }

    @Test func aKilledEtcdIsReportedAndNeverShrinksTheSet() async throws {
        let etcd = try EtcdServer()
        for index in 1...3 { try etcd.put(Self.prefix + "k\(index)", "127.0.0.1:\(9000 + index)") }
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([etcd.clientURL]))
        #expect(await eventually { recorder.latest?.count == 3 })

        etcd.kill()
        // Several failed attempts: the first says the watch broke, the others that nothing answers.
        #expect(await eventually { recorder.failures.count >= 3 }, "failures: \(recorder.failures)")
        #expect(recorder.failures.allSatisfy { $0.contains(etcd.clientURL) })
        #expect(recorder.failures.dropFirst().contains { $0.contains("connection refused") })

        try etcd.start()
        try etcd.put(Self.prefix + "k4", "127.0.0.1:9004")
        #expect(await eventually { recorder.latest?.count == 4 }, "failures: \(recorder.failures)")
        #expect(recorder.snapshots.allSatisfy { $0.backends.count >= 3 })
        #expect(await recorder.cancel() != nil)
    }

    @Test func writesMadeWhileEtcdWasOutOfReachAreAppliedAfterTheReconnect() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", "127.0.0.1:9001")
        try etcd.put(Self.prefix + "b", "127.0.0.1:9002")
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([etcd.clientURL]))
        #expect(await eventually { recorder.latest == ["127.0.0.1:9001", "127.0.0.1:9002"] })

        // etcd comes back where the source cannot reach it; the writes land there, during the source's outage.
        etcd.kill()
        #expect(await eventually { !recorder.failures.isEmpty })
        try etcd.start(reachable: false)
        try etcd.delete(Self.prefix + "a")
        try etcd.put(Self.prefix + "c", "127.0.0.1:9003")
        let failures = recorder.failures.count
        #expect(await eventually { recorder.failures.count > failures }, "the source still fails after the writes")
        let snapshots = recorder.snapshots.count

        etcd.stop()
        try etcd.start()
        #expect(await eventually { recorder.latest == ["127.0.0.1:9002", "127.0.0.1:9003"] })
        // The writes came with the first read after the reconnect, not one by one.
        #expect(recorder.snapshots.count == snapshots + 1)
        #expect(await recorder.cancel() != nil)
    }

    @Test func aDeadFirstEndpointIsSkipped() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", "127.0.0.1:9001")
        let dead = "http://127.0.0.1:\(freeLoopbackPort())"
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source([dead, etcd.clientURL]))
        #expect(await eventually { recorder.latest == ["127.0.0.1:9001"] }, "failures: \(recorder.failures)")
        #expect(recorder.failures == ["etcd \(dead): range: connection refused"])
        try etcd.put(Self.prefix + "b", "127.0.0.1:9002")
        #expect(await eventually { recorder.latest?.count == 2 })
        #expect(await recorder.cancel() != nil)
    }

    @Test func aHungEtcdIsNoticedByTheLivenessCheck() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", "127.0.0.1:9001")
        let recorder = DiscoveryRecorder()
        var timing = Self.timing
        timing.livenessInterval = .milliseconds(500)
        timing.livenessTimeout = .seconds(2)
        timing.request = .seconds(2)
        recorder.run(Self.source([etcd.clientURL], timing: timing))
        #expect(await eventually { recorder.latest == ["127.0.0.1:9001"] })

        // Stopped, etcd keeps its connections open and answers nothing: only the check can tell.
        etcd.pause()
        #expect(await eventually(timeout: .seconds(30)) { !recorder.failures.isEmpty })
        #expect(recorder.failures.first == "etcd \(etcd.clientURL): liveness check: timed out after 2 s")
        etcd.resume()
        try etcd.put(Self.prefix + "b", "127.0.0.1:9002")
        #expect(await eventually(timeout: .seconds(30)) { recorder.latest?.count == 2 })
        #expect(recorder.snapshots.allSatisfy { $0.backends.count >= 1 })
        #expect(await recorder.cancel() != nil)
    }

    @Test func cancellingEndsRunPromptly() async throws {
        let etcd = try EtcdServer()
        try etcd.put(Self.prefix + "a", "127.0.0.1:9001")
        // Timeouts far longer than the bound below: only cancelling can end these runs in time.
        var timing = Self.timing
        timing.request = .seconds(120)
        timing.livenessInterval = .seconds(120)
        timing.livenessTimeout = .seconds(120)

        // While watching.
        let watching = DiscoveryRecorder()
        watching.run(Self.source([etcd.clientURL], timing: timing))
        #expect(await eventually { watching.latest != nil })
        let whileWatching = await watching.cancel()
        #expect(whileWatching != nil)

        // While backing off between attempts on a dead endpoint.
        let backingOff = DiscoveryRecorder()
        backingOff.run(
            EtcdDiscoverySource(
                settings: EtcdDiscoverySettings(endpoints: ["http://127.0.0.1:\(freeLoopbackPort())"], prefix: "/x/"),
                backoff: Backoff(initial: .seconds(120), maximum: .seconds(120))
            )
        )
        #expect(await eventually { !backingOff.failures.isEmpty })
        let whileBackingOff = await backingOff.cancel()
        #expect(whileBackingOff != nil)
        print(
            "cancel -> run returned: watching \(String(describing: whileWatching)), "
                + "backing off \(String(describing: whileBackingOff))"
        )
        #expect(backingOff.failures.count == 1)
    }
}
