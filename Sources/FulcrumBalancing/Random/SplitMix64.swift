/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014; the reference
/// `splitmix64.c` by Sebastiano Vigna): a tiny, seedable generator whose whole state is one `UInt64`.
///
/// The engine keeps one per thread to fill `PickContext.random`; balancers derive further values from that one number
/// with it (power of two needs several draws per pick), so a pick needs no shared random state and tests can fix the
/// whole sequence with one seed. The engine's own uses (its per-thread `nextRandom`, the source-counter digest) are
/// this type too, so there is one copy of the constants.
///
/// Everything here is `@inlinable`: the engine calls it from another module on its hot path (a random pick per
/// connection, a digest per accept under `max_connections_per_source`), and `@inlinable` puts the body in the
/// module's interface, so those calls are inlined into a few multiplies and shifts, with no call and no allocation,
/// whatever cross-module optimisation the build does.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The golden-ratio increment of the reference implementation.
    public static let increment: UInt64 = 0x9E37_79B9_7F4A_7C15

    @usableFromInline
    var current: UInt64

    /// The state: the seed plus one `increment` per value drawn.
    @inlinable
    public var state: UInt64 { self.current }

    @inlinable
    public init(seed: UInt64) {
        self.current = seed
    }

    /// The next value of the sequence (the reference `next()`).
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        self.current &+= SplitMix64.increment
        return SplitMix64.mix(self.current)
    }

    /// The output function alone: a bijective mixer, also used to derive a value from a value.
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var mixed = value
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension UInt64 {
    /// `self` scaled into `0..<bound` by a multiply-shift (Lemire, "Fast random integer generation in an interval",
    /// 2019): as uniform as `self % bound` for a 64-bit source and bounds far below 2^64, and monotonic in `self`,
    /// which lets hash balancers describe their hash space as intervals (see `FlowMovement`). `bound` must be > 0.
    @inline(__always)
    func scaled(into bound: Int) -> Int {
        Int(truncatingIfNeeded: self.multipliedFullWidth(by: UInt64(bound)).high)
    }
}
