/// A hashed timing wheel (Varghese & Lauck, 1987) holding at most one deadline per entry id.
///
/// Each engine thread keeps one wheel for all its connections: scheduling and cancelling are O(1) and allocate
/// nothing once the entry arrays have grown to the connection table's size. Entries are intrusive doubly linked
/// lists in flat arrays indexed by entry id (the connection's slot), not timer objects.
///
/// Idle timeouts do not re-arm on every read: the connection records its last activity and, when its deadline
/// fires, the owner reschedules it if there was activity since (the usual lazy idle timer).
///
/// Time is injected: `advance(to:)` takes the current time, so tests drive the wheel with any clock.
/// Times are nanoseconds on a monotonic clock.
public struct TimingWheel {
    /// Slot width. Deadlines are honoured to within one tick late, never early.
    public let tickNanoseconds: UInt64
    private let slotMask: UInt64
    private var heads: [Int32]
    private var next: [Int32] = []
    private var previous: [Int32] = []
    private var deadlines: [UInt64] = []
    /// The slot an entry sits in, or -1 when it has no deadline.
    private var slots: [Int32] = []
    /// Every tick up to and including this one has been processed.
    private var processedTick: UInt64
    /// No slot before this tick holds an entry (a lower bound, refined lazily by `sleepBudget`), so an idle thread
    /// sleeps until the first occupied slot instead of waking every tick.
    private var firstOccupiedTick = UInt64.max
    /// Entries whose deadline passed in the last `advance`, not yet popped.
    private var expired: [Int32] = []
    /// Number of entries with a deadline.
    public private(set) var count = 0

    /// - Parameters:
    ///   - tickNanoseconds: slot width (default 10 ms).
    ///   - slotCount: number of slots, rounded up to a power of two (default 1024: one turn spans about 10 s at
    ///     10 ms; longer deadlines simply wait for later turns).
    ///   - now: the current time, the wheel's starting point.
    public init(tickNanoseconds: UInt64 = 10_000_000, slotCount: Int = 1024, now: UInt64) {
        precondition(tickNanoseconds > 0 && slotCount > 0, "a timing wheel needs a positive tick and slot count")
        var size = 1
        while size < slotCount { size <<= 1 }
        self.tickNanoseconds = tickNanoseconds
        self.slotMask = UInt64(size - 1)
        self.heads = Array(repeating: -1, count: size)
        self.processedTick = now / tickNanoseconds
    }

    /// Makes room for entry ids `0..<capacity`.
    public mutating func reserve(_ capacity: Int) {
        guard capacity > self.slots.count else { return }
        let extra = capacity - self.slots.count
        self.next.append(contentsOf: repeatElement(-1, count: extra))
        self.previous.append(contentsOf: repeatElement(-1, count: extra))
        self.deadlines.append(contentsOf: repeatElement(0, count: extra))
        self.slots.append(contentsOf: repeatElement(-1, count: extra))
    }

    /// The deadline of `id`, or `nil` when it has none.
    public func deadline(of id: Int) -> UInt64? {
        guard id < self.slots.count, self.slots[id] >= 0 else { return nil }
        return self.deadlines[id]
    }

    /// Sets (or moves) the deadline of `id`.
    public mutating func schedule(_ id: Int, at deadline: UInt64) {
        if id >= self.slots.count { self.reserve(max(id + 1, self.slots.count * 2)) }
        if self.slots[id] >= 0 { self.unlink(id) } else { self.count += 1 }
        // The slot of the first tick boundary at or after the deadline: when that tick is processed, every entry of
        // this turn in the slot is due. A deadline already passed goes into the next tick to be processed.
        let tick = max((deadline + self.tickNanoseconds - 1) / self.tickNanoseconds, self.processedTick + 1)
        let slot = Int(tick & self.slotMask)
        self.firstOccupiedTick = min(self.firstOccupiedTick, tick)
        self.deadlines[id] = deadline
        self.slots[id] = Int32(slot)
        self.previous[id] = -1
        self.next[id] = self.heads[slot]
        if self.heads[slot] >= 0 { self.previous[Int(self.heads[slot])] = Int32(id) }
        self.heads[slot] = Int32(id)
    }

    /// Removes the deadline of `id`, if any.
    public mutating func cancel(_ id: Int) {
        guard id < self.slots.count, self.slots[id] >= 0 else { return }
        self.unlink(id)
        self.slots[id] = -1
        self.count -= 1
    }

    private mutating func unlink(_ id: Int) {
        let before = self.previous[id]
        let after = self.next[id]
        if before >= 0 { self.next[Int(before)] = after } else { self.heads[Int(self.slots[id])] = after }
        if after >= 0 { self.previous[Int(after)] = before }
    }

    /// Processes every tick up to `now`: entries whose deadline has passed lose it and wait in the expired list for
    /// `popExpired()`. Split in two steps so that the owner may schedule and cancel while handling expiries.
    public mutating func advance(to now: UInt64) {
        let target = now / self.tickNanoseconds
        guard target > self.processedTick else { return }
        // After a long pause, one full turn visits every slot; further turns would find nothing new.
        let ticks = min(target - self.processedTick, self.slotMask + 1)
        var tick = target - ticks + 1
        while tick <= target {
            var entry = self.heads[Int(tick & self.slotMask)]
            while entry >= 0 {
                let id = Int(entry)
                entry = self.next[id]
                if self.deadlines[id] <= now {
                    self.unlink(id)
                    self.slots[id] = -1
                    self.count -= 1
                    self.expired.append(Int32(id))
                }
            }
            tick += 1
        }
        self.processedTick = target
    }

    /// The next entry whose deadline passed, or `nil`. Entries scheduled again since they expired are skipped.
    public mutating func popExpired() -> Int? {
        while let id = self.expired.popLast() {
            if self.slots[Int(id)] < 0 { return Int(id) }
        }
        return nil
    }

    /// How long the owner may sleep before a deadline may be due: until the first occupied slot's tick (whose
    /// entries may also belong to a later turn: waking early is harmless), `nil` when nothing is scheduled.
    public mutating func sleepBudget(now: UInt64) -> UInt64? {
        guard self.count > 0 else { return nil }
        var tick = max(self.firstOccupiedTick, self.processedTick + 1)
        let end = self.processedTick + 1 + self.slotMask
        while tick <= end, self.heads[Int(tick & self.slotMask)] < 0 { tick += 1 }
        self.firstOccupiedTick = tick
        let wake = tick * self.tickNanoseconds
        return wake > now ? wake - now : 0
    }
}
