import FulcrumDNS
import NIOCore

/// One running exchange with one server: completes its promise exactly once (with the answer, on its deadline, on
/// an error, or when cancelled) and always closes its channel, so no socket outlives an exchange. Confined to its
/// event loop, like the health checker's `ProbeAttempt`.
final class DNSExchangeAttempt {
    typealias Outcome = Result<DNSAnswer, DNSExchangeFailure>

    private let promise: EventLoopPromise<Outcome>
    private var deadline: Scheduled<Void>?
    private var channel: (any Channel)?
    private(set) var isFinished = false
    /// Why the last datagram that was not the answer was ignored; the timeout's report names it, so that a server
    /// that answers with garbage is told apart from one that is silent.
    private var lastIgnored: String?

    /// Arms the deadline: when `timeout` passes first, the exchange ends as timed out. Call on the promise's loop.
    init(promise: EventLoopPromise<Outcome>, timeout: Duration) {
        self.promise = promise
        let loop = promise.futureResult.eventLoop
        self.deadline = loop.assumeIsolated().scheduleTask(in: TimeAmount(timeout)) { [self] in
            self.finish(.failure(.timedOut(after: timeout, ignored: self.lastIgnored)))
        }
    }

    /// The exchange's channel, to close when the exchange ends (or at once if it already has).
    func attach(_ channel: any Channel) {
        if self.isFinished {
            channel.close(promise: nil)
        } else {
            self.channel = channel
        }
    }

    /// A datagram came that is not the answer; the exchange keeps waiting.
    func ignore(_ reason: String) {
        self.lastIgnored = reason
    }

    /// Ends the exchange with `outcome` unless it already ended.
    func finish(_ outcome: Outcome) {
        guard !self.isFinished else { return }
        self.isFinished = true
        self.deadline?.cancel()
        self.deadline = nil
        self.channel?.close(promise: nil)
        self.channel = nil
        self.promise.succeed(outcome)
    }
}

@available(*, unavailable)
extension DNSExchangeAttempt: Sendable {}
