import Synchronization

/// The position of one service in its rotation: a single atomic counter shared by every engine thread and kept by the
/// control plane across snapshots (SPEC §7: one rotation per service, not per core, so that with equal weights
/// sequential connections strictly alternate, and a reload or a health change does not restart the rotation).
///
/// `round_robin` reads its precomputed smooth sequence at `next() % length`; `least_connections` uses it to break ties.
public final class RoundRobinRotation: Sendable {
    private let cursor: Atomic<UInt64>

    public init(start: UInt64 = 0) {
        self.cursor = Atomic(start)
    }

    /// Takes the current position and moves the rotation on by one (relaxed: only the count matters, not ordering
    /// with other memory).
    @inline(__always)
    public func next() -> UInt64 {
        self.cursor.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The position the next pick will take, without moving the rotation (for "which backend would this client get").
    public func peek() -> UInt64 {
        self.cursor.load(ordering: .relaxed)
    }
}
