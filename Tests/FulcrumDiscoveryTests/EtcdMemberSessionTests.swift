import Foundation
import FulcrumTestSupport
import Testing

@testable import FulcrumDiscovery

/// How the source reads, watches and gives up on one member, against a scripted gateway: the answers a real etcd
/// gives only by accident of timing (a compacted start revision) or not on cue (errors, malformed answers).
@Suite struct EtcdMemberSessionTests {
    static let timing = EtcdTiming(
        connect: .seconds(2),
        request: .seconds(10),
        livenessInterval: .seconds(60),
        livenessTimeout: .seconds(10),
        coalescingWindow: .milliseconds(100)
    )

    static func source(_ gateway: ScriptedEtcdGateway, timing: EtcdTiming = Self.timing) -> EtcdDiscoverySource {
        EtcdDiscoverySource(
            settings: EtcdDiscoverySettings(endpoints: [gateway.url], prefix: "/f/"),
            timing: timing,
            backoff: Backoff(initial: .milliseconds(20), maximum: .milliseconds(100)),
            random: SeededGenerator(seed: 3)
        )
    }

    /// A range answer at `revision` with `values` under keys `/f/0`, `/f/1`, ...
    static func range(revision: Int, _ values: [String]) -> ScriptedEtcdGateway.Answer {
        let kvs = values.enumerated().map { index, value in
            #"{"key":"\#(base64("/f/\(index)"))","value":"\#(base64(value))","mod_revision":"\#(revision)"}"#
        }
        return .reply(
            status: 200,
            body: #"{"header":{"revision":"\#(revision)"},"kvs":[\#(kvs.joined(separator: ","))]}"#
        )
    }

    static let created = #"{"result":{"header":{"revision":"1"},"created":true}}"#

    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test func aCompactedWatchIsFollowedByAFreshReadAtOnce() async throws {
        let gateway = try ScriptedEtcdGateway { request, earlier in
            switch (request.path, earlier) {
            case ("/v3/kv/range", 0): return Self.range(revision: 5, ["127.0.0.1:1"])
            case ("/v3/kv/range", _): return Self.range(revision: 9, ["127.0.0.1:1", "127.0.0.1:2"])
            case ("/v3/watch", 0):
                let compacted = #"{"result":{"header":{},"canceled":true,"compact_revision":"7"}}"#
                return .stream(lines: [Self.created, compacted], close: false)
            default: return .stream(lines: [Self.created], close: false)
            }
        }
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source(gateway))
        #expect(await eventually { recorder.latest?.count == 2 })
        #expect(recorder.snapshots.map(\.addresses) == [["127.0.0.1:1"], ["127.0.0.1:1", "127.0.0.1:2"]])
        // Not an outage: nothing to report.
        #expect(recorder.failures.isEmpty)
        // The second watch is sent right after the read's snapshot is reported: wait for it.
        #expect(await eventually { gateway.requests.filter { $0.path == "/v3/watch" }.count == 2 })
        let watches = gateway.requests.filter { $0.path == "/v3/watch" }.map(\.body)
        #expect(watches.first?.contains(#""start_revision":"6""#) == true)
        #expect(watches.last?.contains(#""start_revision":"10""#) == true)
        #expect(await recorder.cancel() != nil)
    }

    @Test func errorAnswersAndBrokenStreamsAreReportedAsFailures() async throws {
        let gateway = try ScriptedEtcdGateway { request, earlier in
            switch (request.path, earlier) {
            case ("/v3/kv/range", 0):
                return .reply(
                    status: 503,
                    body: #"{"error":"etcdserver: no leader","message":"etcdserver: no leader"}"#
                )
            case ("/v3/kv/range", 1): return .reply(status: 200, body: #"{"header":{"revision":"x"}}"#)
            case ("/v3/kv/range", _): return Self.range(revision: 3, ["127.0.0.1:1"])
            case ("/v3/watch", 0): return .stream(lines: [Self.created], close: true)
            case ("/v3/watch", 1):
                return .stream(
                    lines: [Self.created, #"{"error":{"grpc_code":14,"message":"shutting down"}}"#],
                    close: false
                )
            case ("/v3/watch", 2): return .stream(lines: [Self.created, "not json"], close: false)
            default: return .stream(lines: [Self.created], close: false)
            }
        }
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source(gateway))
        #expect(await eventually { recorder.failures.count == 5 }, "failures: \(recorder.failures)")
        let prefix = "etcd \(gateway.url): "
        #expect(
            recorder.failures == [
                prefix + "range: HTTP 503 (etcdserver: no leader)",
                prefix + "range: malformed answer (header.revision: 'x' is not a 64-bit integer)",
                prefix + "watch: ended",
                prefix + "watch: error from etcd (shutting down)",
                prefix + "watch: malformed answer (The given data was not valid JSON.)",
            ]
        )
        // A read after each broken watch, each reported; the set never changed.
        #expect(await eventually { recorder.snapshots.count == 4 })
        #expect(recorder.snapshots.allSatisfy { $0.addresses == ["127.0.0.1:1"] })
        #expect(await recorder.cancel() != nil)
    }

    @Test func aQuietWatchOutlivesTheRequestTimeout() async throws {
        let gateway = try ScriptedEtcdGateway { request, _ in
            request.path == "/v3/watch"
                ? .stream(lines: [Self.created], close: false) : Self.range(revision: 2, ["127.0.0.1:1"])
        }
        var timing = Self.timing
        timing.request = .milliseconds(200)
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source(gateway, timing: timing))
        #expect(await eventually { gateway.requests.contains { $0.path == "/v3/watch" } })
        // What is tested here is that nothing happens: a watch with no events for many request timeouts stays
        // open. The time that passes is the subject of the test, not a stand-in for an event.
        try await Task.sleep(for: timing.request * 10)
        #expect(recorder.failures.isEmpty)
        #expect(gateway.requests.map(\.path) == ["/v3/kv/range", "/v3/watch"])
        #expect(await recorder.cancel() != nil)
    }

    @Test func cancellingEndsARequestThatIsNeverAnswered() async throws {
        let gateway = try ScriptedEtcdGateway { _, _ in .silence }
        let recorder = DiscoveryRecorder()
        var timing = Self.timing
        timing.request = .seconds(120)
        recorder.run(Self.source(gateway, timing: timing))
        #expect(await eventually { !gateway.requests.isEmpty })
        let ended = await recorder.cancel()
        print("cancel -> run returned, a range in flight: \(String(describing: ended))")
        #expect(ended != nil)
        #expect(recorder.failures.isEmpty)
    }

    @Test func aTimedOutReadIsReportedAsSuch() async throws {
        let gateway = try ScriptedEtcdGateway { request, earlier in
            earlier == 0 ? .silence : Self.range(revision: 2, ["127.0.0.1:1"])
        }
        var timing = Self.timing
        timing.request = .milliseconds(500)
        let recorder = DiscoveryRecorder()
        recorder.run(Self.source(gateway, timing: timing))
        #expect(await eventually { recorder.latest != nil })
        #expect(recorder.failures == ["etcd \(gateway.url): range: timed out after 500 ms"])
        #expect(await recorder.cancel() != nil)
    }
}
