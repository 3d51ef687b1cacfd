/// One direction of a TCP relay (client → backend, or backend → client): what to do next, given what the sockets
/// last said. Pure: the engine thread performs the system calls the actions name and reports the outcomes back.
///
/// Two ways to move bytes:
/// - **copy**: `read` into the thread's shared buffer, `write` to the destination at once. Cheapest for small
///   exchanges (one request, one reply): no pipe, no extra descriptors.
/// - **splice**: once a read fills the whole buffer, the transfer is bulk; bytes then go source → pipe →
///   destination with `splice(2)` and never enter user space. A small fill ends bulk mode when the pipe drains, and
///   the pipe goes back to the thread's pool, so idle connections hold no pipe.
/// When the destination does not take everything a copy read, the rest is written into a pipe ("stash") and the
/// direction waits for the destination: the pipe is the only buffer, so a slow reader never makes Fulcrum buffer
/// more than one pipe per direction (backpressure: nothing is read while the pipe holds bytes).
///
/// Readiness follows edge-triggered epoll: `sourceReadable` / `destinationWritable` are set by events and cleared only
/// when a call reports that the socket is drained (EAGAIN, or a short read/write, which epoll(7) documents as
/// equivalent for stream sockets).
public struct RelayDirection: Sendable, Equatable {
    /// What the engine should do next for this direction.
    public enum Action: Sendable, Equatable {
        /// Nothing until an event changes readiness.
        case wait
        /// `splice` from the pipe to the destination (the pipe holds `pipeBytes`).
        case drainPipe
        /// `splice` from the source into the (empty) pipe; the engine makes sure a pipe is held first.
        case fillPipe
        /// `read` into the thread buffer and `write` to the destination.
        case copy
        /// The source ended and everything was delivered: `shutdown(destination, SHUT_WR)` (half-close).
        case shutdownDestination
        /// The pipe is empty and bulk mode is over: return the pipe to the pool.
        case releasePipe
        /// This direction is complete (source ended, destination shut down).
        case finished
    }

    /// What a system call did.
    public enum Outcome: Sendable, Equatable {
        /// `splice` moved this many bytes from the pipe to the destination.
        case drained(Int)
        /// `splice` from the pipe found the destination full (EAGAIN).
        case drainBlocked
        /// `splice` moved this many bytes from the source into the pipe.
        case filled(Int)
        /// The source had nothing to read (EAGAIN) for a fill or a copy.
        case sourceDrained
        /// A copy read `read` bytes into a buffer of `capacity` and wrote `written` of them; when `written < read`
        /// the engine has stashed the rest in the pipe.
        case copied(read: Int, written: Int, capacity: Int)
        /// The source reached end of stream (a read or splice returned 0).
        case sourceEnded
        /// The engine shut down the destination's write side.
        case destinationShutDown
        /// The engine returned the pipe to its pool.
        case pipeReleased
        /// The engine wrote bytes of its own (a PROXY header the destination did not take at once) into the pipe.
        case stashed(Int)
    }

    /// A fill smaller than this ends bulk mode (the transfer is back to small exchanges).
    public static let bulkExitThreshold = 4096

    public var sourceReadable = false
    public var destinationWritable = false
    /// The source signalled end of stream (EPOLLRDHUP) or an error. Its edge has been consumed, so a short read no
    /// longer proves the socket drained: reading continues until the end of stream itself is read.
    public var sourceHungUp = false
    /// Bytes held in this direction's pipe, not yet delivered.
    public private(set) var pipeBytes = 0
    /// The direction holds a pipe from the pool.
    public private(set) var holdsPipe = false
    /// Bulk transfer: move bytes with splice.
    public private(set) var bulk = false
    public private(set) var sourceEnded = false
    public private(set) var destinationShut = false
    /// Bytes read from the source / written to the destination so far.
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var bytesWritten: UInt64 = 0

    public init() {}

    /// The next action, from the current state alone.
    public func nextAction() -> Action {
        if self.pipeBytes > 0 { return self.destinationWritable ? .drainPipe : .wait }
        if self.sourceEnded { return self.destinationShut ? .finished : .shutdownDestination }
        if self.holdsPipe && !self.bulk { return .releasePipe }
        guard self.sourceReadable else { return .wait }
        if self.bulk { return .fillPipe }
        return self.destinationWritable ? .copy : .wait
    }

    /// `true` when every byte read has been delivered and the destination is shut: nothing left to do.
    public var isFinished: Bool { self.sourceEnded && self.destinationShut && self.pipeBytes == 0 }

    /// Records the outcome of the action the engine just performed.
    public mutating func record(_ outcome: Outcome) {
        switch outcome {
        case .drained(let count):
            precondition(count <= self.pipeBytes, "drained more bytes than the pipe held")
            self.pipeBytes -= count
            self.bytesWritten += UInt64(count)
        case .drainBlocked:
            self.destinationWritable = false
        case .filled(let count):
            self.holdsPipe = true
            self.pipeBytes += count
            self.bytesRead += UInt64(count)
            if count < RelayDirection.bulkExitThreshold { self.bulk = false }
        case .sourceDrained:
            self.sourceReadable = false
        case .copied(let read, let written, let capacity):
            self.bytesRead += UInt64(read)
            self.bytesWritten += UInt64(written)
            if written < read {
                // The rest went into the pipe; the destination is full (a short write means exactly that).
                self.holdsPipe = true
                self.pipeBytes += read - written
                self.destinationWritable = false
            }
            if read == capacity {
                // A full buffer: more is coming, move it with splice from now on.
                self.bulk = true
            } else if !self.sourceHungUp {
                self.sourceReadable = false
            }
        case .sourceEnded:
            self.sourceEnded = true
            self.bulk = false
        case .destinationShutDown:
            self.destinationShut = true
        case .stashed(let count):
            self.holdsPipe = true
            self.pipeBytes += count
            self.destinationWritable = false
        case .pipeReleased:
            precondition(self.pipeBytes == 0, "a pipe holding bytes cannot go back to the pool")
            self.holdsPipe = false
        }
    }

    /// The engine could not obtain a pipe for bulk mode (descriptor shortage): stay in copy mode.
    public mutating func abandonBulk() {
        self.bulk = false
    }
}
