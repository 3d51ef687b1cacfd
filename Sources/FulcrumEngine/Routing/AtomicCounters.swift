import Synchronization

/// A fixed number of relaxed atomic counters in one allocation, shared by every engine thread.
///
/// `Atomic` is non-copyable and must live at a stable address, so arrays of them are built here by hand rather than
/// as `[Atomic<Int>]`.
public final class AtomicCounters: @unchecked Sendable {
    // Safe to share: the storage is only ever touched through `Atomic` operations and is freed in `deinit`, when no
    // other reference exists.
    private let storage: UnsafeMutablePointer<Atomic<Int>>
    public let count: Int

    public init(count: Int) {
        self.count = count
        self.storage = .allocate(capacity: count)
        for index in 0..<count { (self.storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        self.storage.deinitialize(count: self.count)
        self.storage.deallocate()
    }

    @inlinable
    public func add(_ index: Int, _ amount: Int = 1) {
        self.pointer(index).pointee.add(amount, ordering: .relaxed)
    }

    @inlinable
    public func subtract(_ index: Int, _ amount: Int = 1) {
        self.pointer(index).pointee.subtract(amount, ordering: .relaxed)
    }

    @inlinable
    public func load(_ index: Int) -> Int {
        self.pointer(index).pointee.load(ordering: .relaxed)
    }

    public func store(_ index: Int, _ value: Int) {
        self.pointer(index).pointee.store(value, ordering: .relaxed)
    }

    @usableFromInline
    func pointer(_ index: Int) -> UnsafeMutablePointer<Atomic<Int>> {
        precondition(index >= 0 && index < self.count, "counter index out of range")
        return self.storage + index
    }
}
