import Synchronization

/// One injected random source shared by every target's jitter draws. Draws are rare (one per check), so a lock
/// is fine; it keeps a seeded generator reproducible in tests.
struct SharedRandom: RandomNumberGenerator, Sendable {
    private final class Box: Sendable {
        let generator: Mutex<any RandomNumberGenerator & Sendable>

        init(_ generator: sending any RandomNumberGenerator & Sendable) {
            self.generator = Mutex(generator)
        }
    }

    private let box: Box

    init(_ generator: some RandomNumberGenerator & Sendable) {
        self.box = Box(generator)
    }

    mutating func next() -> UInt64 {
        self.box.generator.withLock { $0.next() }
    }
}
