import FulcrumDiscovery
import Synchronization

/// Keeps what a discovery source reports, with when it came, for a test to wait on and look at.
final class ReportRecorder: Sendable {
    enum Event: Sendable {
        case snapshot([DiscoveredBackend], at: ContinuousClock.Instant)
        case failure(String, at: ContinuousClock.Instant)
    }

    private let recorded = Mutex<[Event]>([])

    var report: DiscoveryReport {
        DiscoveryReport(
            snapshot: { backends in self.recorded.withLock { $0.append(.snapshot(backends, at: .now)) } },
            failure: { reason in self.recorded.withLock { $0.append(.failure(reason, at: .now)) } },
            rejectedEntry: { key, reason in
                preconditionFailure("a DNS source rejected an entry: \(key): \(reason)")
            }
        )
    }

    var events: [Event] { self.recorded.withLock { $0 } }

    var snapshots: [[DiscoveredBackend]] {
        self.events.compactMap {
            guard case .snapshot(let backends, _) = $0 else { return nil }
            return backends
        }
    }

    var snapshotTimes: [ContinuousClock.Instant] {
        self.events.compactMap {
            guard case .snapshot(_, let time) = $0 else { return nil }
            return time
        }
    }

    var failures: [String] {
        self.events.compactMap {
            guard case .failure(let reason, _) = $0 else { return nil }
            return reason
        }
    }

    /// The addresses of the last snapshot, or `nil` before the first.
    var lastAddresses: [String]? { self.snapshots.last.map { $0.map(\.address) } }
}
