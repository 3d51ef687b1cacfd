import NIOCore

/// One running probe: completes its promise exactly once, on its deadline or on the first outcome, and always
/// closes its channel (no fd outlives a probe). Confined to its event loop.
final class ProbeAttempt {
    private let promise: EventLoopPromise<ProbeResult>
    private var deadline: Scheduled<Void>?
    private var channel: (any Channel)?
    private(set) var isFinished = false

    /// Arms the deadline: when `timeout` passes first, the probe ends with `resultAtDeadline`. Call on `loop`.
    init(
        promise: EventLoopPromise<ProbeResult>,
        timeout: Duration,
        resultAtDeadline: ProbeResult
    ) {
        self.promise = promise
        let loop = promise.futureResult.eventLoop
        self.deadline = loop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            self.finish(resultAtDeadline)
        }
    }

    /// The probe's channel, to close when the probe ends (or at once if it already has).
    func attach(_ channel: any Channel) {
        if self.isFinished {
            channel.close(promise: nil)
        } else {
            self.channel = channel
        }
    }

    /// Ends the probe with `result` unless it already ended.
    func finish(_ result: ProbeResult) {
        guard !self.isFinished else { return }
        self.isFinished = true
        self.deadline?.cancel()
        self.deadline = nil
        self.channel?.close(promise: nil)
        self.channel = nil
        self.promise.succeed(result)
    }
}

@available(*, unavailable)
extension ProbeAttempt: Sendable {}
