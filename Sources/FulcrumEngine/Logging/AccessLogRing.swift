import Synchronization

/// A single-producer, single-consumer ring of access records: the engine thread appends without locks or
/// allocation, and the control plane's log writer drains it off the data path. When the writer falls behind and the
/// ring is full, records are dropped and counted rather than slowing the data plane.
final class AccessLogRing: @unchecked Sendable {
    // Safe to share: slots between `head` and `tail` belong to the consumer, the others to the producer; the
    // release/acquire pair on `tail` and `head` hands each slot over.
    private let slots: UnsafeMutablePointer<AccessRecord>
    private let capacity: Int
    private let head = Atomic<Int>(0)
    private let tail = Atomic<Int>(0)
    private let droppedCount = Atomic<Int>(0)

    init(capacity: Int = 16384) {
        var size = 1
        while size < capacity { size <<= 1 }
        self.capacity = size
        self.slots = .allocate(capacity: size)
    }

    deinit {
        let start = self.head.load(ordering: .relaxed)
        let end = self.tail.load(ordering: .relaxed)
        for index in start..<end { (self.slots + (index & (self.capacity - 1))).deinitialize(count: 1) }
        self.slots.deallocate()
    }

    var dropped: Int { self.droppedCount.load(ordering: .relaxed) }

    /// Producer side (the engine thread).
    func append(_ record: AccessRecord) {
        let end = self.tail.load(ordering: .relaxed)
        let start = self.head.load(ordering: .acquiring)
        guard end - start < self.capacity else {
            self.droppedCount.add(1, ordering: .relaxed)
            return
        }
        (self.slots + (end & (self.capacity - 1))).initialize(to: record)
        self.tail.store(end + 1, ordering: .releasing)
    }

    /// Consumer side (one log writer at a time): hands every waiting record to `body`, oldest first.
    func drain(_ body: (AccessRecord) -> Void) {
        let start = self.head.load(ordering: .relaxed)
        let end = self.tail.load(ordering: .acquiring)
        guard end > start else { return }
        for index in start..<end {
            let record = (self.slots + (index & (self.capacity - 1))).move()
            body(record)
        }
        self.head.store(end, ordering: .releasing)
    }
}
