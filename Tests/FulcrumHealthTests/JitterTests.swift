import FulcrumTestSupport
import Testing

@testable import FulcrumHealth

@Suite struct JitterTests {
    @Test func drawsStayWithinTenPercent() {
        var random = SeededGenerator(seed: 42)
        let interval = Duration.seconds(2)
        var draws: Set<Duration> = []
        for _ in 0..<2000 {
            let value = Jitter.standard.apply(to: interval, using: &random)
            #expect(value >= .milliseconds(1800) && value <= .milliseconds(2200))
            draws.insert(value)
        }
        // Spread out, not in step.
        #expect(draws.count > 1000)
        #expect(draws.contains { $0 < .milliseconds(1850) })
        #expect(draws.contains { $0 > .milliseconds(2150) })
    }

    @Test func noJitterKeepsTheInterval() {
        var random = SeededGenerator(seed: 1)
        #expect(Jitter.none.apply(to: .milliseconds(200), using: &random) == .milliseconds(200))
        #expect(Jitter.standard.apply(to: .nanoseconds(5), using: &random) == .nanoseconds(5))
    }

    @Test func schedulerAppliesJitterToEveryInterval() {
        var random = SeededGenerator(seed: 3)
        let clock = MockClock()
        var scheduler = ProbeScheduler<MockClock>(interval: .seconds(1), jitter: .standard)
        _ = scheduler.start(now: clock.now)
        var instants: Set<Duration> = []
        for _ in 0..<50 {
            guard
                case .probeAt(let instant, let token) = scheduler.probeFinished(
                    now: clock.now,
                    probeAgainAtOnce: false,
                    using: &random
                )
            else {
                Issue.record("expected a timer")
                return
            }
            let wait = clock.now.duration(to: instant)
            #expect(wait >= .milliseconds(900) && wait <= .milliseconds(1100))
            instants.insert(wait)
            clock.advance(by: wait)
            #expect(scheduler.timerFired(token: token, now: clock.now) == .probeNow)
        }
        #expect(instants.count > 40)
    }
}
