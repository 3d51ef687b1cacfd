import FulcrumDiscovery
import FulcrumTestSupport
import Synchronization

/// Everything a discovery source reported, in order, with the time of each snapshot: the tests' `DiscoveryReport`.
/// `run` starts a source on it; the source's task is cancelled when the recorder goes away, so a test that fails
/// half-way leaves nothing running.
final class DiscoveryRecorder: Sendable {
    struct Snapshot: Sendable {
        var backends: [DiscoveredBackend]
        var at: ContinuousClock.Instant
        var addresses: [String] { self.backends.map(\.address) }
    }

    struct RejectedEntry: Sendable, Hashable {
        var key: String
        var reason: String
    }

    private struct State {
        var snapshots: [Snapshot] = []
        var failures: [String] = []
        var rejections: [RejectedEntry] = []
        var task: Task<Void, Never>?
        var endedAt: ContinuousClock.Instant?
    }

    private let state = Mutex(State())

    init() {}

    deinit { self.state.withLock { $0.task?.cancel() } }

    var report: DiscoveryReport {
        DiscoveryReport(
            snapshot: { backends in
                let now = ContinuousClock.now
                self.state.withLock { $0.snapshots.append(Snapshot(backends: backends, at: now)) }
            },
            failure: { reason in self.state.withLock { $0.failures.append(reason) } },
            rejectedEntry: { key, reason in
                self.state.withLock { $0.rejections.append(RejectedEntry(key: key, reason: reason)) }
            }
        )
    }

    /// Starts `source` on this recorder, in a task of its own.
    func run(_ source: some DiscoverySource) {
        let report = self.report
        let task = Task {
            await source.run(report)
            self.state.withLock { $0.endedAt = ContinuousClock.now }
        }
        self.state.withLock { $0.task = task }
    }

    /// Cancels the source's task; returns how long `run` took to return, or `nil` if it did not within `timeout`.
    func cancel(timeout: Duration = .seconds(10)) async -> Duration? {
        let start = ContinuousClock.now
        self.state.withLock { $0.task?.cancel() }
        guard await eventually(timeout: timeout, { self.hasEnded }) else { return nil }
        return self.state.withLock { $0.endedAt.map { $0 - start } }
    }

    var snapshots: [Snapshot] { self.state.withLock { $0.snapshots } }
    var failures: [String] { self.state.withLock { $0.failures } }
    var rejections: [RejectedEntry] { self.state.withLock { $0.rejections } }
    var hasEnded: Bool { self.state.withLock { $0.endedAt != nil } }
    /// The addresses of the last snapshot; `nil` before the first.
    var latest: [String]? { self.snapshots.last?.addresses }

    /// The first snapshot taken at or after `instant` for which `condition` holds.
    func firstSnapshot(since instant: ContinuousClock.Instant, where condition: ([String]) -> Bool) -> Snapshot? {
        self.snapshots.first { $0.at >= instant && condition($0.addresses) }
    }
}
