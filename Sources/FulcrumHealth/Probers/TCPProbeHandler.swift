import NIOCore

/// Drives one TCP probe once connected: writes the payload (if any), then either succeeds when the write is done
/// (no `expect`) or reads until the reply contains `expect` (at most 16 KiB). Every ending goes through the
/// attempt, which closes the channel.
final class TCPProbeHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let attempt: ProbeAttempt
    private let payload: [UInt8]
    private var matcher: ExpectMatcher?

    init(attempt: ProbeAttempt, payload: [UInt8], expect: [UInt8]?) {
        self.attempt = attempt
        self.payload = payload
        self.matcher = expect.map { ExpectMatcher(expected: $0, limit: max(ExpectMatcher.defaultLimit, $0.count)) }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        let expecting = self.matcher != nil
        guard !self.payload.isEmpty else {
            if !expecting { self.attempt.finish(.success) }
            return
        }
        let attempt = self.attempt
        let buffer = context.channel.allocator.buffer(bytes: self.payload)
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenComplete { result in
            switch result {
            case .success:
                if !expecting { attempt.finish(.success) }
            case .failure(let error):
                attempt.finish(.failure(ProbeErrors.sendFailure(error)))
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard self.matcher != nil, !self.attempt.isFinished else { return }
        let buffer = self.unwrapInboundIn(data)
        // Mutated in place: copying the matcher out would copy its buffer on every read.
        let outcome = buffer.withUnsafeReadableBytes { self.matcher!.append($0) }
        switch outcome {
        case .matched:
            self.attempt.finish(.success)
        case .limitReached:
            self.attempt.finish(.failure(.unexpectedReply))
        case .needMore:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The peer closed before the probe ended (a probe that ended already is not affected).
        if let matcher = self.matcher {
            self.attempt.finish(.failure(matcher.received.isEmpty ? .closedWithoutReply : .unexpectedReply))
        } else {
            self.attempt.finish(.failure(.closedWithoutReply))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.attempt.finish(.failure(ProbeErrors.connectFailure(error)))
    }
}

@available(*, unavailable)
extension TCPProbeHandler: Sendable {}
