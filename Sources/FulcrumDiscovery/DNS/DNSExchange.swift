import FulcrumDNS
import FulcrumNet
import NIOCore
import NIOPosix

/// One query to one server and the wait for its answer: over UDP (`datagram`) or, after a truncated answer, over
/// TCP (`stream`). Each exchange opens its own socket and closes it when it ends; a fresh UDP socket per query also
/// gets a fresh random source port from the kernel, which a forger must guess along with the ID (RFC 5452 §4.5).
///
/// An exchange ends at the first of: the answer, an error answer, a socket error, `timeout`, or the cancellation of
/// the calling task; it never throws.
enum DNSExchange {
    /// Sends `query` in one datagram to `server` from a connected UDP socket and waits for the datagram that answers
    /// it; datagrams that do not are ignored (`DNSDatagramReplyHandler`).
    static func datagram(
        _ query: DNSQuery,
        to server: IPEndpoint,
        timeout: Duration,
        on loop: any EventLoop
    ) async -> DNSExchangeAttempt.Outcome {
        await DNSExchange.run(timeout: timeout, on: loop) { attempt in
            let address: SocketAddress
            do {
                address = try SocketAddress(server)
            } catch {
                attempt.finish(.failure(.transport(String(describing: error))))
                return
            }
            guard let bootstrap = DatagramBootstrap(validatingGroup: loop) else {
                preconditionFailure("DNS discovery needs a NIOPosix EventLoopGroup (MultiThreadedEventLoopGroup)")
            }
            let boundAttempt = NIOLoopBound(attempt, eventLoop: loop)
            bootstrap
                // A server that ignores the size the query advertises may send up to 64 KiB; read it whole rather
                // than cut (a cut datagram would not parse and would only be ignored).
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in
                    let attempt = boundAttempt.value
                    attempt.attach(channel)
                    do {
                        let handler = DNSDatagramReplyHandler(query: query, attempt: attempt)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                .connect(to: address)
                .assumeIsolated()
                .whenComplete { result in
                    let attempt = boundAttempt.value
                    switch result {
                    case .success(let channel):
                        guard !attempt.isFinished else { return }
                        let buffer = channel.allocator.buffer(bytes: query.encoded())
                        channel.writeAndFlush(buffer).assumeIsolated().whenFailure { error in
                            attempt.finish(.failure(DNSExchangeFailure(socketError: error)))
                        }
                    case .failure(let error):
                        attempt.finish(.failure(DNSExchangeFailure(socketError: error)))
                    }
                }
        }
    }

    /// Connects to `server` over TCP, sends `query` with its length prefix and reads one message back
    /// (`DNSStreamReplyHandler`). `timeout` bounds the connect and the answer together.
    static func stream(
        _ query: DNSQuery,
        to server: IPEndpoint,
        timeout: Duration,
        on loop: any EventLoop
    ) async -> DNSExchangeAttempt.Outcome {
        await DNSExchange.run(timeout: timeout, on: loop) { attempt in
            let address: SocketAddress
            do {
                address = try SocketAddress(server)
            } catch {
                attempt.finish(.failure(.transport(String(describing: error))))
                return
            }
            guard let bootstrap = ClientBootstrap(validatingGroup: loop) else {
                preconditionFailure("DNS discovery needs a NIOPosix EventLoopGroup (MultiThreadedEventLoopGroup)")
            }
            let boundAttempt = NIOLoopBound(attempt, eventLoop: loop)
            bootstrap
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    let attempt = boundAttempt.value
                    attempt.attach(channel)
                    do {
                        let handler = DNSStreamReplyHandler(query: query, attempt: attempt)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        return channel.eventLoop.makeSucceededVoidFuture()
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                }
                .connect(to: address)
                .assumeIsolated()
                .whenFailure { error in
                    boundAttempt.value.finish(.failure(DNSExchangeFailure(socketError: error)))
                }
        }
    }

    /// Runs `start` on `loop` with a new attempt and waits for the attempt's outcome. When the calling task is
    /// cancelled, the attempt ends at once as cancelled (closing its socket), also if that happens before `start`
    /// ran: whichever of the two reaches the loop first creates the attempt, and `start` is skipped when the
    /// cancellation did.
    private static func run(
        timeout: Duration,
        on loop: any EventLoop,
        _ start: @escaping @Sendable (DNSExchangeAttempt) -> Void
    ) async -> DNSExchangeAttempt.Outcome {
        let promise = loop.makePromise(of: DNSExchangeAttempt.Outcome.self)
        let slot = NIOLoopBoundBox.makeEmptyBox(valueType: DNSExchangeAttempt.self, eventLoop: loop)
        return await withTaskCancellationHandler {
            loop.execute {
                guard slot.value == nil else { return }
                let attempt = DNSExchangeAttempt(promise: promise, timeout: timeout)
                slot.value = attempt
                start(attempt)
            }
            // The promise only ever succeeds; a failure would mean the loop shut down under the exchange.
            do {
                return try await promise.futureResult.get()
            } catch {
                return .failure(.transport(String(describing: error)))
            }
        } onCancel: {
            loop.execute {
                let attempt = slot.value ?? DNSExchangeAttempt(promise: promise, timeout: timeout)
                slot.value = attempt
                attempt.finish(.failure(.cancelled))
            }
        }
    }
}
