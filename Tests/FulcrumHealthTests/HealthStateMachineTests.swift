import Testing

@testable import FulcrumHealth

@Suite struct HealthStateMachineTests {
    @Test func firstPassingCheckMakesUncheckedUp() {
        var machine = HealthStateMachine(rise: 3, fall: 3)
        #expect(machine.health == .unchecked)
        #expect(machine.checkPassed() == HealthTransition(from: .unchecked, to: .up, reason: .checkPassed))
        #expect(machine.health == .up)
        #expect(machine.checkPassed() == nil)
    }

    @Test func failuresCountTowardFallFromTheStart() {
        var machine = HealthStateMachine(rise: 2, fall: 3)
        #expect(machine.checkFailed(.connectRefused) == nil)
        #expect(machine.checkFailed(.connectRefused) == nil)
        #expect(machine.health == .unchecked)
        #expect(
            machine.checkFailed(.timeout)
                == HealthTransition(from: .unchecked, to: .down, reason: .checkFailed(.timeout))
        )
        #expect(machine.health == .down)
    }

    @Test func fallNeedsConsecutiveFailures() {
        var machine = HealthStateMachine(rise: 2, fall: 2)
        _ = machine.checkPassed()
        #expect(machine.checkFailed(.connectRefused) == nil)
        #expect(machine.checkPassed() == nil)
        #expect(machine.checkFailed(.connectRefused) == nil)
        #expect(machine.health == .up)
        let transition = machine.checkFailed(.unexpectedReply)
        #expect(transition == HealthTransition(from: .up, to: .down, reason: .checkFailed(.unexpectedReply)))
        #expect(transition?.reason.description == "unexpected reply")
    }

    @Test func riseNeedsConsecutivePassesFromDown() {
        var machine = HealthStateMachine(rise: 3, fall: 1)
        _ = machine.checkFailed(.connectRefused)
        #expect(machine.health == .down)
        #expect(machine.checkPassed() == nil)
        #expect(machine.checkPassed() == nil)
        #expect(machine.checkFailed(.timeout) == nil)
        #expect(machine.checkPassed() == nil)
        #expect(machine.checkPassed() == nil)
        #expect(machine.health == .down)
        #expect(machine.checkPassed() == HealthTransition(from: .down, to: .up, reason: .checkPassed))
    }

    @Test func failuresWhileDownChangeNothing() {
        var machine = HealthStateMachine(rise: 1, fall: 1)
        _ = machine.checkFailed(.connectRefused)
        for _ in 0..<5 {
            #expect(machine.checkFailed(.connectRefused) == nil)
        }
        #expect(machine.health == .down)
        #expect(machine.checkPassed()?.to == .up)
    }

    @Test func proxiedFailureCountsOnceAndMakesSuspect() {
        var machine = HealthStateMachine(rise: 2, fall: 3)
        _ = machine.checkPassed()
        #expect(machine.proxiedConnectFailed() == nil)
        #expect(machine.isSuspect)
        #expect(machine.failureStreak == 1)
        // A burst of failed connects before the next probe result is one piece of evidence.
        #expect(machine.proxiedConnectFailed() == nil)
        #expect(machine.failureStreak == 1)
        // The confirming probes fail: down at the fall-th failure.
        #expect(machine.checkFailed(.connectRefused) == nil)
        #expect(machine.isSuspect)
        #expect(machine.checkFailed(.connectRefused)?.to == .down)
        #expect(!machine.isSuspect)
    }

    @Test func passingProbeClearsSuspicion() {
        var machine = HealthStateMachine(rise: 2, fall: 2)
        _ = machine.checkPassed()
        _ = machine.proxiedConnectFailed()
        #expect(machine.isSuspect)
        #expect(machine.checkPassed() == nil)
        #expect(!machine.isSuspect)
        #expect(machine.failureStreak == 0)
        #expect(machine.health == .up)
    }

    @Test func proxiedFailureCanReachFall() {
        var machine = HealthStateMachine(rise: 2, fall: 2)
        _ = machine.checkFailed(.timeout)
        let transition = machine.proxiedConnectFailed()
        #expect(transition == HealthTransition(from: .unchecked, to: .down, reason: .proxiedConnectFailed))
        #expect(!machine.isSuspect)
    }

    @Test func proxiedFailuresWhileDownAreIgnored() {
        var machine = HealthStateMachine(rise: 2, fall: 1)
        _ = machine.checkFailed(.connectRefused)
        _ = machine.checkPassed()
        #expect(machine.proxiedConnectFailed() == nil)
        #expect(!machine.isSuspect)
        #expect(machine.successStreak == 1)
    }

    @Test func reconfigureKeepsHealth() {
        var machine = HealthStateMachine(rise: 5, fall: 1)
        _ = machine.checkFailed(.connectRefused)
        machine.reconfigure(rise: 1, fall: 4)
        #expect(machine.health == .down)
        #expect(machine.checkPassed()?.to == .up)
    }

    @Test func reasonTexts() {
        #expect(HealthCheckFailure.connectRefused.description == "connect refused")
        #expect(HealthCheckFailure.timeout.description == "timeout")
        #expect(HealthCheckFailure.unexpectedReply.description == "unexpected reply")
        #expect(
            HealthTransitionReason.ejected(failures: 3, duration: .seconds(20)).description
                == "3 consecutive connect failures, ejected for 20s"
        )
        #expect(HealthTransitionReason.ejected(failures: 3, duration: .seconds(300)).description.hasSuffix("5m"))
        #expect(DurationText.short(.milliseconds(1500)) == "1500ms")
        #expect(BackendHealth.unchecked.isEligible && BackendHealth.up.isEligible && !BackendHealth.down.isEligible)
    }
}
