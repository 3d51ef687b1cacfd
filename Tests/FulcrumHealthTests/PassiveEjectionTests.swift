import Testing

@testable import FulcrumHealth

@Suite struct PassiveEjectionTests {
    let clock = MockClock()

    /// Fails `count` connects at the clock's current time; returns the last transition.
    func fail(_ ejection: inout PassiveEjection<MockClock>, times count: Int) -> HealthTransition? {
        var last: HealthTransition?
        for _ in 0..<count {
            last = ejection.connectFailed(now: self.clock.now)
        }
        return last
    }

    @Test func threeFailuresEjectForTenSeconds() {
        var ejection = PassiveEjection<MockClock>()
        #expect(ejection.connectFailed(now: self.clock.now) == nil)
        #expect(ejection.connectFailed(now: self.clock.now) == nil)
        #expect(ejection.health == .unchecked)
        let transition = ejection.connectFailed(now: self.clock.now)
        #expect(
            transition
                == HealthTransition(from: .unchecked, to: .down, reason: .ejected(failures: 3, duration: .seconds(10)))
        )
        #expect(ejection.health == .down)
        #expect(ejection.ejectionEnd == self.clock.at(.seconds(10)))
        #expect(ejection.isEjected(at: self.clock.at(.milliseconds(9999))))
        #expect(!ejection.isEjected(at: self.clock.at(.seconds(10))))
    }

    @Test func ejectionEndsWhenItsTimeRunsOut() {
        var ejection = PassiveEjection<MockClock>()
        _ = self.fail(&ejection, times: 3)
        self.clock.advance(by: .milliseconds(9990))
        // A timer that fires a little early changes nothing.
        #expect(ejection.ejectionExpired(now: self.clock.now) == nil)
        #expect(ejection.health == .down)
        self.clock.advance(by: .milliseconds(10))
        #expect(
            ejection.ejectionExpired(now: self.clock.now)
                == HealthTransition(from: .down, to: .unchecked, reason: .ejectionEnded)
        )
        #expect(ejection.health == .unchecked)
        #expect(ejection.ejectionExpired(now: self.clock.now) == nil)
    }

    @Test func eachFurtherEjectionDoublesUpToFiveMinutes() {
        var ejection = PassiveEjection<MockClock>()
        var durations: [Duration] = []
        for _ in 0..<8 {
            let start = self.clock.now
            guard case .ejected(3, let duration) = self.fail(&ejection, times: 3)?.reason else {
                Issue.record("no ejection")
                return
            }
            durations.append(duration)
            #expect(ejection.ejectionEnd == start.advanced(by: duration))
            self.clock.advance(by: duration)
            #expect(ejection.ejectionExpired(now: self.clock.now)?.to == .unchecked)
        }
        #expect(durations == [10, 20, 40, 80, 160, 300, 300, 300].map { Duration.seconds($0) })
    }

    @Test func successResetsTheDoubling() {
        var ejection = PassiveEjection<MockClock>()
        _ = self.fail(&ejection, times: 3)
        self.clock.advance(by: .seconds(10))
        _ = ejection.ejectionExpired(now: self.clock.now)
        _ = self.fail(&ejection, times: 3)
        #expect(ejection.ejectionEnd == self.clock.now.advanced(by: .seconds(20)))
        self.clock.advance(by: .seconds(20))
        _ = ejection.ejectionExpired(now: self.clock.now)
        ejection.connectSucceeded()
        #expect(!ejection.needsSuccessReports)
        guard case .ejected(_, let duration) = self.fail(&ejection, times: 3)?.reason else {
            Issue.record("no ejection")
            return
        }
        #expect(duration == .seconds(10))
    }

    @Test func successBetweenFailuresResetsTheCount() {
        var ejection = PassiveEjection<MockClock>()
        _ = self.fail(&ejection, times: 2)
        #expect(ejection.needsSuccessReports)
        ejection.connectSucceeded()
        #expect(self.fail(&ejection, times: 2) == nil)
        #expect(ejection.health == .unchecked)
        #expect(ejection.connectFailed(now: self.clock.now)?.to == .down)
    }

    @Test func failuresWhileEjectedAreIgnored() {
        var ejection = PassiveEjection<MockClock>()
        _ = self.fail(&ejection, times: 3)
        self.clock.advance(by: .seconds(5))
        #expect(self.fail(&ejection, times: 10) == nil)
        #expect(ejection.ejectionEnd == self.clock.at(.seconds(10)))
        // A success racing the ejection does not end it.
        ejection.connectSucceeded()
        #expect(ejection.isEjected(at: self.clock.now))
    }

    @Test func afterAnEjectionThreeNewFailuresAreNeeded() {
        var ejection = PassiveEjection<MockClock>()
        _ = self.fail(&ejection, times: 3)
        self.clock.advance(by: .seconds(10))
        _ = ejection.ejectionExpired(now: self.clock.now)
        #expect(self.fail(&ejection, times: 2) == nil)
        #expect(ejection.connectFailed(now: self.clock.now)?.to == .down)
    }
}
