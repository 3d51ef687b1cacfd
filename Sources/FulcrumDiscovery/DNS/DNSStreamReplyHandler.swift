import FulcrumDNS
import NIOCore

/// Asks one query over a TCP connection once it is up (RFC 7766: the 2-byte length prefix of `DNSTCPFraming`) and
/// reads the first message back. Over TCP the peer is the server itself (a forger would have to take over the
/// connection), so a reply that does not match the query is the server's broken answer, not one to skip.
final class DNSStreamReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let query: DNSQuery
    private let attempt: DNSExchangeAttempt
    /// The bytes read so far; at most one message (2 + 65,535 bytes) is ever needed.
    private var received: [UInt8] = []

    init(query: DNSQuery, attempt: DNSExchangeAttempt) {
        self.query = query
        self.attempt = attempt
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        let attempt = self.attempt
        let buffer = context.channel.allocator.buffer(bytes: DNSTCPFraming.framed(self.query.encoded()))
        context.writeAndFlush(self.wrapOutboundOut(buffer)).assumeIsolated().whenFailure { error in
            attempt.finish(.failure(DNSExchangeFailure(socketError: error)))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.attempt.isFinished else { return }
        self.received.append(contentsOf: self.unwrapInboundIn(data).readableBytesView)
        guard let range = DNSTCPFraming.firstMessage(in: self.received) else { return }
        switch DNSReply(classifying: Array(self.received[range]), for: self.query) {
        case .answer(.truncated):
            self.attempt.finish(.failure(.badResponse("the answer over TCP is marked truncated")))
        case .answer(let answer):
            self.attempt.finish(.success(answer))
        case .errorResponse(let code):
            self.attempt.finish(.failure(.errorResponse(code)))
        case .unusable(let reason), .unrelated(let reason):
            self.attempt.finish(.failure(.badResponse(reason)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // The server closed first (an exchange that already ended is not affected).
        self.attempt.finish(.failure(.closedBeforeAnswer))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.attempt.finish(.failure(DNSExchangeFailure(socketError: error)))
    }
}

@available(*, unavailable)
extension DNSStreamReplyHandler: Sendable {}
