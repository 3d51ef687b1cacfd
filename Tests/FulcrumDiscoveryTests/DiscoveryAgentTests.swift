import FulcrumNet
import FulcrumTestSupport
import Logging
import Synchronization
import Testing

@testable import FulcrumDiscovery

/// The agent between a source and the pool, driven by a scripted source.
@Suite struct DiscoveryAgentTests {
    /// A source whose reports the test sends.
    final class ScriptedSource: DiscoverySource {
        let kind = DiscoveryKind.etcd
        private let report = Mutex<DiscoveryReport?>(nil)

        var isRunning: Bool { self.report.withLock { $0 != nil } }

        func run(_ report: DiscoveryReport) async {
            self.report.withLock { $0 = report }
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
            self.report.withLock { $0 = nil }
        }

        func send(_ body: (DiscoveryReport) -> Void) { self.report.withLock { $0 }.map(body) }
    }

    final class Applied: Sendable {
        let sets = Mutex<[[String]]>([])
        var last: [String]? { self.sets.withLock { $0.last } }
        var count: Int { self.sets.withLock { $0.count } }
        func record(_ backends: [DiscoveredBackend]) { self.sets.withLock { $0.append(backends.map(\.address)) } }
    }

    func backends(_ numbers: ClosedRange<Int>) -> [DiscoveredBackend] {
        numbers.map { number in
            let endpoint = IPEndpoint(address: .v4(0x7F00_0000 | UInt32(number)), port: 80)
            return DiscoveredBackend(address: endpoint.description, endpoint: endpoint)
        }
    }

    func makeAgent(
        source: ScriptedSource, applied: Applied, saved: DiscoveryAgent.Saved? = nil,
        policy: DiscoveryMembership<ContinuousClock>.Policy = .init(maxDrop: 0.5, holdDrop: .seconds(3600))
    ) -> DiscoveryAgent {
        DiscoveryAgent(
            service: "db", source: source, policy: policy, saved: saved, logger: Logger(label: "test"),
            apply: { applied.record($0) })
    }

    @Test func answersFailuresAndHeldUpdatesShowInTheStatus() async throws {
        let source = ScriptedSource()
        let applied = Applied()
        let agent = self.makeAgent(source: source, applied: applied)
        agent.start()
        #expect(await eventually { source.isRunning })

        source.send { $0.snapshot(self.backends(1...4)) }
        #expect(await eventually { applied.last?.count == 4 })
        #expect(agent.status.backends == 4 && agent.status.error == nil && agent.status.lastSuccessNanoseconds != nil)

        // An outage: the set stays, the error shows and is counted.
        source.send { $0.failure("http://127.0.0.1:1: connection refused") }
        source.send { $0.failure("http://127.0.0.1:1: connection refused") }
        #expect(await eventually { agent.status.errorsTotal == 2 })
        #expect(agent.status.error == "http://127.0.0.1:1: connection refused")
        #expect(agent.status.backends == 4 && applied.count == 1)

        // Back, with 3 of 4 removed at once: held (one hold, however often the registry repeats it).
        source.send { $0.snapshot(self.backends(4...4)) }
        source.send { $0.snapshot(self.backends(4...4)) }
        #expect(await eventually { agent.status.held == 1 })
        #expect(agent.status.error == nil && agent.status.heldTotal == 1 && agent.status.backends == 4)
        #expect(applied.count == 1)

        source.send { $0.rejectedEntry("/db/bad", "not an address") }
        #expect(await eventually { agent.status.rejectedTotal == 1 })
        await agent.stop()
        #expect(!source.isRunning)
    }

    @Test func registryDownAtStartServesTheSavedSet() async throws {
        let source = ScriptedSource()
        let applied = Applied()
        let saved = DiscoveryAgent.Saved(backends: self.backends(1...3), savedAt: "2026-12-04T10:00:00Z")
        let agent = self.makeAgent(source: source, applied: applied, saved: saved)
        agent.start()
        #expect(await eventually { source.isRunning })
        source.send { $0.failure("refused") }
        #expect(await eventually { applied.last == self.backends(1...3).map(\.address) })
        // A second failure does not apply it again; the registry's first answer is judged against it.
        source.send { $0.failure("refused") }
        source.send { $0.snapshot(self.backends(1...2)) }
        #expect(await eventually { applied.count == 2 })
        #expect(applied.last == self.backends(1...2).map(\.address))
        await agent.stop()
    }

    @Test func savedSetIsNotUsedOnceTheRegistryAnswered() async throws {
        let source = ScriptedSource()
        let applied = Applied()
        let saved = DiscoveryAgent.Saved(backends: self.backends(1...3), savedAt: "earlier")
        let agent = self.makeAgent(source: source, applied: applied, saved: saved)
        agent.start()
        #expect(await eventually { source.isRunning })
        source.send { $0.snapshot([]) }
        source.send { $0.failure("refused") }
        #expect(await eventually { agent.status.errorsTotal == 1 })
        #expect(applied.count == 0)
        await agent.stop()
    }

    @Test func heldUpdateIsAppliedWhenItsHoldEnds() async throws {
        let source = ScriptedSource()
        let applied = Applied()
        let agent = self.makeAgent(
            source: source, applied: applied, policy: .init(maxDrop: 0.5, holdDrop: .milliseconds(200)))
        agent.start()
        #expect(await eventually { source.isRunning })
        source.send { $0.snapshot(self.backends(1...4)) }
        #expect(await eventually { applied.count == 1 })
        source.send { $0.snapshot([]) }
        #expect(await eventually { applied.last == [] })
        #expect(agent.status.held == 0 && agent.status.heldTotal == 1 && agent.status.backends == 0)
        await agent.stop()
    }
}
