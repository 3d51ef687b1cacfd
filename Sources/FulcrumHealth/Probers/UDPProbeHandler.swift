import NIOCore

/// Reads a UDP probe's outcome on its connected datagram socket: an ICMP error (NIO reports it as `ECONNREFUSED`)
/// fails it; with `expect`, the first reply decides; without, any reply ends it early as a success (the deadline
/// otherwise does).
final class UDPProbeHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let attempt: ProbeAttempt
    private let expect: [UInt8]?

    init(attempt: ProbeAttempt, expect: [UInt8]?) {
        self.attempt = attempt
        self.expect = expect
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.attempt.isFinished else { return }
        guard let expect = self.expect else {
            self.attempt.finish(.success)
            return
        }
        // SPEC §7: the first reply datagram only.
        let datagram = self.unwrapInboundIn(data).data
        var matcher = ExpectMatcher(expected: expect, limit: max(datagram.readableBytes, expect.count))
        let outcome = datagram.withUnsafeReadableBytes { matcher.append($0) }
        switch outcome {
        case .matched:
            self.attempt.finish(.success)
        case .needMore, .limitReached:
            self.attempt.finish(.failure(.unexpectedReply))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.attempt.finish(.failure(ProbeErrors.connectFailure(error)))
    }
}

@available(*, unavailable)
extension UDPProbeHandler: Sendable {}
