import FulcrumNet
import NIOCore
import Synchronization

@testable import FulcrumHealth

/// A health probe whose outcome the test decides, per backend, and which records when each probe started and
/// ended, in the loop's time. With `NIOAsyncTestingEventLoop` the monitor's whole timing is driven by the test.
final class ScriptedProbe: Sendable {
    /// What probes of one backend do: finish with `result` after `duration` (never longer than the check's
    /// timeout: a longer one ends at the timeout with `.failure(.timeout)`, as the real probers do).
    struct Behaviour: Sendable {
        var result: ProbeResult
        var duration: TimeAmount = .zero
    }

    struct Run: Sendable, Equatable {
        var started: NIODeadline
        var ended: NIODeadline?
    }

    private struct State {
        var behaviours: [IPEndpoint: Behaviour] = [:]
        var runs: [IPEndpoint: [Run]] = [:]
    }

    private let state = Mutex(State())

    /// Probes of `backend` return `result` after `duration` from now on (default: passes at once).
    func set(_ backend: IPEndpoint, _ result: ProbeResult, taking duration: TimeAmount = .zero) {
        self.state.withLock { $0.behaviours[backend] = Behaviour(result: result, duration: duration) }
    }

    /// When each probe of `backend` started, in loop time since the loop's origin.
    func starts(of backend: IPEndpoint) -> [TimeAmount] {
        self.state.withLock { $0.runs[backend, default: []] }.map { .nanoseconds(Int64($0.started.uptimeNanoseconds)) }
    }

    /// Probes of `backend` so far.
    func count(of backend: IPEndpoint) -> Int { self.state.withLock { $0.runs[backend, default: []].count } }

    /// The largest number of probes of one backend that ever ran at the same time.
    func maximumOverlap(of backend: IPEndpoint) -> Int {
        let runs = self.state.withLock { $0.runs[backend, default: []] }
        var most = 0
        for run in runs {
            let overlapping = runs.filter { other in
                other.started <= run.started && (other.ended.map { $0 > run.started } ?? true)
            }
            most = max(most, overlapping.count)
        }
        return most
    }

    var probe: HealthProbe {
        HealthProbe { check, backend, loop in
            let (behaviour, index) = self.state.withLock { state -> (Behaviour, Int) in
                let behaviour = state.behaviours[backend] ?? Behaviour(result: .success)
                state.runs[backend, default: []].append(Run(started: loop.now))
                return (behaviour, state.runs[backend]!.count - 1)
            }
            let timeout = TimeAmount(check.timeout)
            let (delay, result) =
                behaviour.duration > timeout ? (timeout, ProbeResult.failure(.timeout)) : (behaviour.duration, behaviour.result)
            return loop.scheduleTask(in: delay) { () -> ProbeResult in
                self.state.withLock { $0.runs[backend]![index].ended = loop.now }
                return result
            }.futureResult
        }
    }
}
