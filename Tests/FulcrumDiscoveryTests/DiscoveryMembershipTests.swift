import FulcrumNet
import Testing

@testable import FulcrumDiscovery

/// The mass-removal guard and `hold_empty`, on an injected clock.
@Suite struct DiscoveryMembershipTests {
    typealias Membership = DiscoveryMembership<ManualClock>

    let clock = ManualClock()

    func backends(_ numbers: ClosedRange<Int>, weight: Int = 1) -> [DiscoveredBackend] {
        numbers.map { number in
            let endpoint = IPEndpoint(address: .v4(0x0A00_0000 | UInt32(number)), port: 80)
            return DiscoveredBackend(address: endpoint.description, endpoint: endpoint, weight: weight)
        }
    }

    func at(_ seconds: Int) -> ManualClock.Instant { self.clock.origin.advanced(by: .seconds(seconds)) }

    @Test func additionsAndSmallRemovalsApplyAtOnce() {
        var membership = Membership(policy: .init(maxDrop: 0.5, holdDrop: .seconds(60)))
        #expect(membership.registryAnswered(self.backends(1...4), now: self.at(0)).applied == self.backends(1...4))
        // Remove 2 of 4 (exactly 50 %: not more than max_drop) and add one.
        let outcome = membership.registryAnswered(self.backends(3...5), now: self.at(1))
        #expect(outcome.applied == self.backends(3...5))
        #expect(outcome.holdStarted == nil && outcome.wakeAt == nil)
        // The same answer again changes nothing.
        #expect(membership.registryAnswered(self.backends(3...5), now: self.at(2)).applied == nil)
    }

    @Test func massRemovalIsHeldThenAppliedIfItStillStands() {
        var membership = Membership(policy: .init(maxDrop: 0.5, holdDrop: .seconds(60)), current: self.backends(1...10))
        // 9 of 10 go, one is added, one changes weight.
        var answer = self.backends(10...11)
        answer[0].weight = 5
        let held = membership.registryAnswered(answer, now: self.at(0))
        #expect(held.holdStarted?.removing == 9 && held.holdStarted?.of == 10)
        #expect(held.wakeAt == self.at(60))
        // Additions and changes apply at once; removals wait.
        let during = held.applied ?? []
        #expect(during.count == 11)
        #expect(during.first { $0.address == "10.0.0.10:80" }?.weight == 5)
        #expect(membership.isHolding)
        // The registry repeats itself: still held, no second hold counted.
        let again = membership.registryAnswered(answer, now: self.at(30))
        #expect(again.holdStarted == nil && again.applied == nil && again.wakeAt == self.at(60))
        // Still standing after hold_drop: applied.
        let expired = membership.timerFired(now: self.at(60))
        #expect(expired.holdExpired)
        #expect(expired.applied?.map(\.address) == ["10.0.0.10:80", "10.0.0.11:80"])
        #expect(!membership.isHolding)
    }

    @Test func heldUpdateThatNoLongerStandsIsWithdrawn() {
        var membership = Membership(policy: .init(maxDrop: 0.5, holdDrop: .seconds(60)), current: self.backends(1...10))
        _ = membership.registryAnswered(self.backends(1...2), now: self.at(0))
        #expect(membership.isHolding)
        // The registry is whole again before hold_drop: nothing was removed, the hold ends.
        let back = membership.registryAnswered(self.backends(1...10), now: self.at(10))
        #expect(back.holdWithdrawn)
        #expect(back.applied == nil)
        #expect(membership.timerFired(now: self.at(60)).applied == nil)
        #expect(Set(membership.backends) == Set(self.backends(1...10)))
    }

    @Test func guardOffAtOneHundredPercent() {
        var membership = Membership(policy: .init(maxDrop: 1, holdDrop: .seconds(60)), current: self.backends(1...10))
        #expect(membership.registryAnswered([], now: self.at(0)).applied == [])
    }

    @Test func emptyAnswerWaitsForHoldEmptyThenForTheGuard() {
        let policy = Membership.Policy(maxDrop: 0.5, holdDrop: .seconds(60), holdEmpty: .seconds(30))
        var membership = Membership(policy: policy, current: self.backends(1...3))
        let first = membership.registryAnswered([], now: self.at(0))
        #expect(first.emptyHeld && first.applied == nil && first.wakeAt == self.at(30))
        #expect(membership.registryAnswered([], now: self.at(10)).wakeAt == self.at(30))
        // hold_empty has passed: now the guard holds the removal of everything.
        let guarded = membership.timerFired(now: self.at(30))
        #expect(guarded.holdStarted?.removing == 3)
        #expect(guarded.wakeAt == self.at(90))
        #expect(membership.timerFired(now: self.at(90)).applied == [])
    }

    @Test func recordsReturningEndTheEmptyHold() {
        let policy = Membership.Policy(maxDrop: 1, holdDrop: .zero, holdEmpty: .seconds(30))
        var membership = Membership(policy: policy, current: self.backends(1...3))
        _ = membership.registryAnswered([], now: self.at(0))
        #expect(membership.registryAnswered(self.backends(1...3), now: self.at(5)).applied == nil)
        // A later empty answer starts a new hold_empty period.
        #expect(membership.registryAnswered([], now: self.at(40)).wakeAt == self.at(70))
        #expect(membership.timerFired(now: self.at(70)).applied == [])
    }

    @Test func firstAnswerIsNeverHeld() {
        var membership = Membership(policy: .init(maxDrop: 0, holdDrop: .seconds(60), holdEmpty: .seconds(30)))
        #expect(membership.registryAnswered([], now: self.at(0)).applied == nil)
        #expect(membership.registryAnswered(self.backends(1...2), now: self.at(1)).applied == self.backends(1...2))
    }
}

/// A clock that only moves when a test says so (the state machine takes `now` as an argument).
final class ManualClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: self.offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - self.offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    let origin = Instant(offset: .zero)
    var now: Instant { self.origin }
    var minimumResolution: Duration { .nanoseconds(1) }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {}
}
