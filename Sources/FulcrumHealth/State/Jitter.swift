/// A random spread applied to every check interval so the checks of many backends (all started at once by a
/// reload) drift apart instead of firing in step.
public struct Jitter: Sendable, Hashable {
    /// The largest relative deviation, `0 ..< 1`: `0.1` draws uniformly from `interval × [0.9, 1.1]`.
    public let fraction: Double

    /// ±10 %.
    public static let standard = Jitter(fraction: 0.1)
    /// No spread (tests that want exact instants).
    public static let none = Jitter(fraction: 0)

    public init(fraction: Double) {
        precondition(fraction >= 0 && fraction < 1, "jitter fraction must be in 0..<1")
        self.fraction = fraction
    }

    /// `interval` moved by a uniform random amount of at most `fraction × interval` either way, at nanosecond
    /// resolution. Never negative.
    public func apply(to interval: Duration, using random: inout some RandomNumberGenerator) -> Duration {
        let nanoseconds = Jitter.nanoseconds(of: interval)
        let spread = Int64((Double(nanoseconds) * self.fraction).rounded(.down))
        guard spread > 0 else { return interval }
        let offset = Int64.random(in: -spread...spread, using: &random)
        return .nanoseconds(max(0, nanoseconds + offset))
    }

    static func nanoseconds(of duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
