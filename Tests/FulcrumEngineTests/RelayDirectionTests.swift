@testable import FulcrumEngine
import Testing

@Suite("RelayDirection state machine")
struct RelayDirectionTests {
    @Test("small exchanges are copied and never take a pipe")
    func smallCopy() {
        var direction = RelayDirection()
        #expect(direction.nextAction() == .wait)
        direction.sourceReadable = true
        #expect(direction.nextAction() == .wait, "nothing is read while the destination cannot take it")
        direction.destinationWritable = true
        #expect(direction.nextAction() == .copy)
        direction.record(.copied(read: 100, written: 100, capacity: 16384))
        #expect(direction.nextAction() == .wait, "a short read means the socket is drained")
        #expect(!direction.holdsPipe)
        #expect(direction.bytesRead == 100 && direction.bytesWritten == 100)
    }

    @Test("a full read switches to splice; a small fill ends bulk mode and returns the pipe")
    func bulkModeLifecycle() {
        var direction = RelayDirection()
        direction.sourceReadable = true
        direction.destinationWritable = true
        direction.record(.copied(read: 16384, written: 16384, capacity: 16384))
        #expect(direction.bulk)
        #expect(direction.nextAction() == .fillPipe)
        direction.record(.filled(65536))
        #expect(direction.nextAction() == .drainPipe)
        direction.record(.drained(65536))
        #expect(direction.nextAction() == .fillPipe)
        direction.record(.filled(10))
        #expect(direction.nextAction() == .drainPipe)
        direction.record(.drained(10))
        #expect(direction.nextAction() == .releasePipe)
        direction.record(.pipeReleased)
        #expect(!direction.holdsPipe && !direction.bulk)
        #expect(direction.nextAction() == .copy)
    }

    @Test("a short write stashes the rest and nothing more is read until the pipe drains (backpressure)")
    func backpressure() {
        var direction = RelayDirection()
        direction.sourceReadable = true
        direction.destinationWritable = true
        direction.record(.copied(read: 1000, written: 400, capacity: 16384))
        #expect(direction.pipeBytes == 600)
        #expect(direction.nextAction() == .wait)
        direction.sourceReadable = true
        #expect(direction.nextAction() == .wait, "a pipe holding bytes blocks further reads")
        direction.destinationWritable = true
        #expect(direction.nextAction() == .drainPipe)
        direction.record(.drained(200))
        #expect(direction.nextAction() == .drainPipe)
        direction.record(.drainBlocked)
        #expect(direction.nextAction() == .wait)
        direction.destinationWritable = true
        direction.record(.drained(400))
        #expect(direction.nextAction() == .releasePipe)
    }

    @Test("end of stream is passed on as a half-close only after every byte is delivered")
    func halfClose() {
        var direction = RelayDirection()
        direction.sourceReadable = true
        direction.destinationWritable = true
        direction.record(.copied(read: 1000, written: 10, capacity: 16384))
        direction.sourceReadable = true
        direction.record(.sourceEnded)
        #expect(direction.nextAction() == .wait, "the stash must drain before the FIN")
        direction.destinationWritable = true
        #expect(direction.nextAction() == .drainPipe)
        direction.record(.drained(990))
        #expect(direction.nextAction() == .shutdownDestination)
        direction.record(.destinationShutDown)
        #expect(direction.nextAction() == .finished)
        #expect(direction.isFinished)
    }

    @Test("an EAGAIN on the source clears readability in both modes")
    func sourceDrained() {
        var direction = RelayDirection()
        direction.sourceReadable = true
        direction.destinationWritable = true
        direction.record(.sourceDrained)
        #expect(direction.nextAction() == .wait)
    }
}

@Suite("RelayDirection and end of stream")
struct RelayDirectionHangupTests {
    @Test("after a hang-up was signalled, a short read does not stop reading: the end of stream must be read")
    func shortReadAfterHangup() {
        var direction = RelayDirection()
        direction.sourceReadable = true
        direction.sourceHungUp = true
        direction.destinationWritable = true
        direction.record(.copied(read: 10, written: 10, capacity: 16384))
        #expect(direction.nextAction() == .copy)
        direction.record(.sourceEnded)
        #expect(direction.nextAction() == .shutdownDestination)
    }
}
