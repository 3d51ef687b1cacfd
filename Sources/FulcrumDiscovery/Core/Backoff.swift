/// Capped exponential back-off with jitter for registry retries: `initial`, doubling per consecutive failure up to
/// `maximum`, each delay drawn uniformly from its upper half ("equal jitter"), so that many instances that lost a
/// registry at the same moment do not come back in step. Pure: the caller sleeps.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    /// Consecutive failures so far.
    public private(set) var failures = 0

    /// 250 ms doubling up to 30 s: a registry back after a short blip is found again within a second.
    public static let standard = Backoff(initial: .milliseconds(250), maximum: .seconds(30))

    public init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial, "0 < initial <= maximum")
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt after one more failure.
    public mutating func nextDelay(using random: inout some RandomNumberGenerator) -> Duration {
        var ceiling = self.initial
        var doublings = self.failures
        while doublings > 0, ceiling < self.maximum {
            ceiling = ceiling * 2
            doublings -= 1
        }
        ceiling = min(ceiling, self.maximum)
        self.failures += 1
        let nanoseconds = Self.nanoseconds(ceiling)
        let half = nanoseconds / 2
        return .nanoseconds(half + Int64.random(in: 0...(nanoseconds - half), using: &random))
    }

    /// An attempt succeeded: the next failure starts again at `initial`.
    public mutating func reset() {
        self.failures = 0
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
