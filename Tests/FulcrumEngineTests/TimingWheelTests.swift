@testable import FulcrumEngine
import Testing

extension TimingWheel {
    /// Advances and collects what expired, in the order `popExpired` hands it out.
    mutating func advance(to now: UInt64, _ body: (Int) -> Void) {
        self.advance(to: now)
        while let id = self.popExpired() { body(id) }
    }
}

@Suite("TimingWheel with an injected clock")
struct TimingWheelTests {
    let ms: UInt64 = 1_000_000

    @Test("fires entries at or after their deadline, never before")
    func firesOnTime() {
        var wheel = TimingWheel(tickNanoseconds: 10 * ms, slotCount: 64, now: 0)
        wheel.schedule(1, at: 25 * ms)
        wheel.schedule(2, at: 5 * ms)
        wheel.schedule(3, at: 1000 * ms)  // beyond one turn (640 ms)
        var fired: [Int] = []
        wheel.advance(to: 4 * ms) { fired.append($0) }
        #expect(fired.isEmpty)
        wheel.advance(to: 10 * ms) { fired.append($0) }
        #expect(fired == [2])
        wheel.advance(to: 24 * ms) { fired.append($0) }
        #expect(fired == [2])
        wheel.advance(to: 30 * ms) { fired.append($0) }
        #expect(fired == [2, 1])
        wheel.advance(to: 700 * ms) { fired.append($0) }
        #expect(fired == [2, 1], "an entry due in a later turn must wait")
        wheel.advance(to: 999 * ms) { fired.append($0) }
        #expect(fired == [2, 1], "never before the deadline")
        wheel.advance(to: 1000 * ms) { fired.append($0) }
        #expect(fired == [2, 1, 3])
        #expect(wheel.count == 0)
    }

    @Test("cancel and reschedule")
    func cancelAndMove() {
        var wheel = TimingWheel(tickNanoseconds: 10 * ms, slotCount: 64, now: 0)
        for id in 0..<100 { wheel.schedule(id, at: UInt64(id + 1) * 10 * ms) }
        for id in stride(from: 0, to: 100, by: 2) { wheel.cancel(id) }
        wheel.schedule(1, at: 2000 * ms)
        #expect(wheel.count == 50)
        var fired: [Int] = []
        wheel.advance(to: 1000 * ms) { fired.append($0) }
        #expect(fired.sorted() == Array(stride(from: 3, to: 100, by: 2)))
        #expect(!fired.contains(1), "a moved entry fires at its new deadline")
        wheel.advance(to: 2000 * ms) { fired.append($0) }
        #expect(fired.last == 1)
        #expect(wheel.count == 0)
    }

    @Test("a long pause fires everything due in one pass")
    func longPause() {
        var wheel = TimingWheel(tickNanoseconds: 10 * ms, slotCount: 16, now: 0)
        for id in 0..<50 { wheel.schedule(id, at: UInt64(id * 37) * ms) }
        var fired = Set<Int>()
        wheel.advance(to: 100_000 * ms) { fired.insert($0) }
        #expect(fired == Set(0..<50))
    }

    @Test("an expired entry may be rescheduled while expiries are handled; one rescheduled before it pops is skipped")
    func rescheduleWhileHandling() {
        var wheel = TimingWheel(tickNanoseconds: 10 * ms, slotCount: 16, now: 0)
        wheel.schedule(7, at: 20 * ms)
        wheel.schedule(8, at: 20 * ms)
        wheel.advance(to: 20 * ms)
        var popped: [Int] = []
        while let id = wheel.popExpired() {
            popped.append(id)
            // Handling one expiry re-arms the other before it is popped: it must not fire now.
            wheel.schedule(id == 7 ? 8 : 7, at: 50 * ms)
        }
        #expect(popped.count == 1)
        #expect(wheel.count == 1)
        #expect(wheel.sleepBudget(now: 20 * ms) == 30 * ms, "until the rescheduled deadline at 50 ms")
        var later: [Int] = []
        wheel.advance(to: 50 * ms) { later.append($0) }
        #expect(later.count == 1 && later[0] != popped[0])
    }

    @Test("an idle owner sleeps until the first occupied slot, not one tick at a time")
    func sleepBudgetSkipsEmptySlots() {
        var wheel = TimingWheel(tickNanoseconds: 10 * ms, slotCount: 1024, now: 0)
        #expect(wheel.sleepBudget(now: 0) == nil)
        wheel.schedule(1, at: 5000 * ms)
        #expect(wheel.sleepBudget(now: 0) == 5000 * ms)
        wheel.schedule(2, at: 1234 * ms)
        #expect(wheel.sleepBudget(now: 100 * ms) == 1140 * ms)
        wheel.cancel(2)
        // A cancelled entry can only make the owner wake early, never late.
        #expect(wheel.sleepBudget(now: 100 * ms)! <= 4900 * ms)
        // Beyond one turn (10.24 s): the owner wakes at the slot, finds nothing due, and sleeps again.
        var far = TimingWheel(tickNanoseconds: 10 * ms, slotCount: 1024, now: 0)
        far.schedule(3, at: 30_000 * ms)
        let first = far.sleepBudget(now: 0)!
        #expect(first <= 30_000 * ms && first > 0)
        var fired: [Int] = []
        var now = first
        for _ in 0..<10 where fired.isEmpty {
            far.advance(to: now) { fired.append($0) }
            if let budget = far.sleepBudget(now: now) { now += budget }
        }
        #expect(fired == [3])
        #expect(now == 30_000 * ms)
    }
}
