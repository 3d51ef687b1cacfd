import FulcrumTestSupport
import Testing

@testable import FulcrumDiscovery

@Suite struct BackoffTests {
    @Test func doublesUpToTheCapWithEqualJitter() {
        var random = SeededGenerator(seed: 5)
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
        let ceilings: [Duration] = [100, 200, 400, 800, 1000, 1000].map { .milliseconds($0) }
        for ceiling in ceilings {
            let delay = backoff.nextDelay(using: &random)
            #expect(delay >= ceiling / 2 && delay <= ceiling, "\(delay) for \(ceiling)")
        }
        backoff.reset()
        #expect(backoff.nextDelay(using: &random) <= .milliseconds(100))
    }
}
