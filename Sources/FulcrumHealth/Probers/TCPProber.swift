import FulcrumNet
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// TCP health probes: connect, and with `send`/`expect` a small exchange (SPEC §2 health_check, §7).
public enum TCPProber {
    /// Runs one probe on `loop` and reports its outcome; never fails the future. The connect, the write and the
    /// reply together must finish within `request.timeout`. The socket is closed when the future completes.
    public static func probe(_ request: ProbeRequest, on loop: any EventLoop) -> EventLoopFuture<ProbeResult> {
        let promise = loop.makePromise(of: ProbeResult.self)
        loop.execute {
            Self.start(request, promise: promise)
        }
        return promise.futureResult
    }

    private static func start(_ request: ProbeRequest, promise: EventLoopPromise<ProbeResult>) {
        let loop = promise.futureResult.eventLoop
        let attempt = ProbeAttempt(promise: promise, timeout: request.timeout, resultAtDeadline: .failure(.timeout))
        let address: SocketAddress
        do {
            address = try SocketAddress(request.endpoint)
        } catch {
            attempt.finish(.failure(.connectFailed(detail: String(describing: error))))
            return
        }
        guard let bootstrap = ClientBootstrap(validatingGroup: loop) else {
            preconditionFailure("HealthMonitor needs a NIOPosix EventLoopGroup (MultiThreadedEventLoopGroup)")
        }
        let payload = request.tcpPayload
        let expect = request.expect
        // Close with a reset rather than a FIN: checks every few seconds would otherwise leave TIME_WAIT sockets
        // towards the backend's address, whose 4-tuples proxied connections need too (as HAProxy does). Not when a
        // payload is sent without waiting for a reply: a reset could make the server drop it unread.
        let resetOnClose = request.send == nil || expect != nil
        let boundAttempt = NIOLoopBound(attempt, eventLoop: loop)
        bootstrap
            .connectTimeout(TimeAmount(request.timeout))
            .channelInitializer { channel in
                let attempt = boundAttempt.value
                attempt.attach(channel)
                do {
                    let handler = TCPProbeHandler(attempt: attempt, payload: payload, expect: expect)
                    try channel.pipeline.syncOperations.addHandler(handler)
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                guard resetOnClose, let options = channel as? any SocketOptionProvider else {
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                // Best effort: a FIN close works too.
                return options.setSoLinger(linger(l_onoff: 1, l_linger: 0)).recover { _ in }
            }
            .connect(to: address)
            .assumeIsolated()
            .whenFailure { error in
                attempt.finish(.failure(ProbeErrors.connectFailure(error)))
            }
    }
}
