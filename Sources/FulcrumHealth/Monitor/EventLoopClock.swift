import NIOCore

/// The time of one event loop as a `Clock` for the health state machines. A production loop tells monotonic time;
/// NIO's testing loops (`NIOAsyncTestingEventLoop`, `EmbeddedEventLoop`) tell the time a test advanced them to, so
/// the monitor's timers, probe timeouts and state machines all follow one clock and health tests never sleep.
struct EventLoopClock: Clock {
    struct Instant: InstantProtocol, CustomStringConvertible {
        var deadline: NIODeadline

        func advanced(by duration: Duration) -> Instant {
            Instant(deadline: self.deadline + TimeAmount(duration))
        }

        func duration(to other: Instant) -> Duration {
            .nanoseconds(Int64(other.deadline.uptimeNanoseconds) - Int64(self.deadline.uptimeNanoseconds))
        }

        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.deadline < rhs.deadline }

        var description: String { "\(self.deadline.uptimeNanoseconds)ns" }
    }

    let loop: any EventLoop

    var now: Instant { Instant(deadline: self.loop.now) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try await self.loop.scheduleTask(deadline: deadline.deadline) {}.futureResult.get()
    }
}
