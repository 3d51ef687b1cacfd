import FulcrumNet
import NIOCore
import NIOPosix

/// UDP health probes over a connected datagram socket (SPEC §7): send `send`; without `expect` the probe fails only
/// on an ICMP error (refused) or a send error within `timeout`; with `expect` the first reply datagram must contain
/// it within `timeout`.
public enum UDPProber {
    /// Runs one probe on `loop` and reports its outcome; never fails the future. Without `expect` a healthy
    /// backend's probe lasts the whole `timeout` (silence is the success). The socket is closed at the end.
    public static func probe(_ request: ProbeRequest, on loop: any EventLoop) -> EventLoopFuture<ProbeResult> {
        let promise = loop.makePromise(of: ProbeResult.self)
        loop.execute {
            Self.start(request, promise: promise)
        }
        return promise.futureResult
    }

    private static func start(_ request: ProbeRequest, promise: EventLoopPromise<ProbeResult>) {
        let loop = promise.futureResult.eventLoop
        let silenceIsSuccess = request.expect == nil
        let attempt = ProbeAttempt(
            promise: promise,
            timeout: request.timeout,
            resultAtDeadline: silenceIsSuccess ? .success : .failure(.timeout)
        )
        let address: SocketAddress
        do {
            address = try SocketAddress(request.endpoint)
        } catch {
            attempt.finish(.failure(.connectFailed(detail: String(describing: error))))
            return
        }
        guard let bootstrap = DatagramBootstrap(validatingGroup: loop) else {
            preconditionFailure("HealthMonitor needs a NIOPosix EventLoopGroup (MultiThreadedEventLoopGroup)")
        }
        let payload = request.udpPayload
        let expect = request.expect
        let boundAttempt = NIOLoopBound(attempt, eventLoop: loop)
        bootstrap
            .channelInitializer { channel in
                let attempt = boundAttempt.value
                attempt.attach(channel)
                do {
                    try channel.pipeline.syncOperations.addHandler(UDPProbeHandler(attempt: attempt, expect: expect))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    guard !attempt.isFinished else { return }
                    let buffer = channel.allocator.buffer(bytes: payload)
                    channel.writeAndFlush(buffer).assumeIsolated().whenFailure { error in
                        attempt.finish(.failure(ProbeErrors.sendFailure(error)))
                    }
                case .failure(let error):
                    attempt.finish(.failure(ProbeErrors.connectFailure(error)))
                }
            }
    }
}
