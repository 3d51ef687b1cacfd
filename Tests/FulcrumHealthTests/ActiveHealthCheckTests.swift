import FulcrumTestSupport
import Testing

@testable import FulcrumHealth

@Suite struct ActiveHealthCheckTests {
    typealias Check = ActiveHealthCheck<MockClock>

    let clock = MockClock()
    var random = SeededGenerator(seed: 7)

    func makeCheck(rise: Int = 2, fall: Int = 3, interval: Duration = .seconds(2)) -> Check {
        Check(rise: rise, fall: fall, interval: interval, jitter: .none)
    }

    @Test mutating func firstProbeAtOnceThenEveryInterval() {
        var check = self.makeCheck()
        #expect(check.start(now: self.clock.now).probe == .probeNow)
        #expect(check.start(now: self.clock.now).probe == .none)
        let step = check.probeFinished(.success, now: self.clock.now, using: &self.random)
        #expect(step.transition?.to == .up)
        guard case .probeAt(let instant, let token) = step.probe else {
            Issue.record("expected a timer, got \(step.probe)")
            return
        }
        #expect(instant == self.clock.at(.seconds(2)))
        self.clock.advance(by: .seconds(2))
        #expect(check.timerFired(token: token, now: self.clock.now).probe == .probeNow)
        // The same timer firing twice starts nothing more.
        #expect(check.timerFired(token: token, now: self.clock.now).probe == .none)
    }

    @Test mutating func staleTimerIsIgnored() {
        var check = self.makeCheck()
        _ = check.start(now: self.clock.now)
        guard
            case .probeAt(_, let first) = check.probeFinished(.success, now: self.clock.now, using: &self.random).probe
        else {
            Issue.record("expected a timer")
            return
        }
        // A passive failure pre-empts the timer; the probe passes; a new timer is armed.
        #expect(check.proxiedConnectFailed(now: self.clock.now).probe == .probeNow)
        let next = check.probeFinished(.success, now: self.clock.now, using: &self.random).probe
        guard case .probeAt(_, let second) = next else {
            Issue.record("expected a timer, got \(next)")
            return
        }
        #expect(first != second)
        #expect(check.timerFired(token: first, now: self.clock.now).probe == .none)
        #expect(check.timerFired(token: second, now: self.clock.now).probe == .probeNow)
    }

    /// Issue 4 item 2: a dead backend under traffic is down after about one check, not `fall` intervals.
    @Test mutating func passiveFailureTriggersImmediateProbesUntilDown() {
        var check = self.makeCheck(rise: 2, fall: 3, interval: .seconds(10))
        _ = check.start(now: self.clock.now)
        _ = check.probeFinished(.success, now: self.clock.now, using: &self.random)
        #expect(check.health == .up)

        self.clock.advance(by: .seconds(1))
        let passive = check.proxiedConnectFailed(now: self.clock.now)
        #expect(passive.transition == nil)
        #expect(passive.probe == .probeNow)

        let first = check.probeFinished(.failure(.connectRefused), now: self.clock.now, using: &self.random)
        #expect(first.transition == nil)
        #expect(first.probe == .probeNow)

        let second = check.probeFinished(.failure(.connectRefused), now: self.clock.now, using: &self.random)
        #expect(second.transition == HealthTransition(from: .up, to: .down, reason: .checkFailed(.connectRefused)))
        // Down: back to the regular interval.
        #expect(second.probe == .probeAt(self.clock.at(.seconds(11)), token: 2))
    }

    @Test mutating func passiveFailureDuringProbeQueuesTheNextProbe() {
        var check = self.makeCheck(fall: 5)
        _ = check.start(now: self.clock.now)
        #expect(check.proxiedConnectFailed(now: self.clock.now).probe == .none)
        #expect(check.probeFinished(.failure(.timeout), now: self.clock.now, using: &self.random).probe == .probeNow)
    }

    @Test mutating func passingProbeAfterPassiveFailureRestoresTheInterval() {
        var check = self.makeCheck(fall: 3)
        _ = check.start(now: self.clock.now)
        _ = check.probeFinished(.success, now: self.clock.now, using: &self.random)
        #expect(check.proxiedConnectFailed(now: self.clock.now).probe == .probeNow)
        let step = check.probeFinished(.success, now: self.clock.now, using: &self.random)
        #expect(step.transition == nil)
        #expect(step.probe == .probeAt(self.clock.at(.seconds(2)), token: 2))
        #expect(check.health == .up)
    }

    @Test mutating func passiveFailureWhileDownDoesNotProbe() {
        var check = self.makeCheck(fall: 1)
        _ = check.start(now: self.clock.now)
        _ = check.probeFinished(.failure(.connectRefused), now: self.clock.now, using: &self.random)
        #expect(check.health == .down)
        #expect(check.proxiedConnectFailed(now: self.clock.now) == Check.Step(transition: nil, probe: .none))
    }

    @Test mutating func riseAndFallOverTime() {
        var check = self.makeCheck(rise: 2, fall: 2, interval: .milliseconds(200))
        var results: [ProbeResult] = [
            .success, .failure(.connectRefused), .failure(.connectRefused), .success, .success,
        ]
        var transitions: [HealthTransition] = []
        var action = check.start(now: self.clock.now).probe
        var rounds = 0
        while !results.isEmpty, rounds < 20 {
            rounds += 1
            switch action {
            case .probeNow:
                let step = check.probeFinished(results.removeFirst(), now: self.clock.now, using: &self.random)
                transitions.append(contentsOf: step.transition.map { [$0] } ?? [])
                action = step.probe
            case .probeAt(let instant, let token):
                self.clock.advance(by: self.clock.now.duration(to: instant))
                action = check.timerFired(token: token, now: self.clock.now).probe
            case .none:
                Issue.record("stalled")
                return
            }
        }
        #expect(transitions.map(\.to) == [.up, .down, .up])
        // 4 intervals passed between the 5 probes.
        #expect(self.clock.now == self.clock.at(.milliseconds(800)))
    }

    @Test mutating func stoppedCheckIgnoresResults() {
        var check = self.makeCheck()
        _ = check.start(now: self.clock.now)
        check.stop()
        let step = check.probeFinished(.failure(.timeout), now: self.clock.now, using: &self.random)
        #expect(step == Check.Step(transition: nil, probe: .none))
        #expect(check.machine.failureStreak == 0)
    }

    @Test mutating func reconfigureProbesAtOnceAndKeepsHealth() {
        var check = self.makeCheck()
        _ = check.start(now: self.clock.now)
        _ = check.probeFinished(.success, now: self.clock.now, using: &self.random)
        #expect(check.reconfigure(rise: 1, fall: 1, interval: .seconds(5), now: self.clock.now).probe == .probeNow)
        #expect(check.health == .up)
        let step = check.probeFinished(.failure(.timeout), now: self.clock.now, using: &self.random)
        #expect(step.transition?.to == .down)
        #expect(step.probe == .probeAt(self.clock.at(.seconds(5)), token: 2))
    }
}
