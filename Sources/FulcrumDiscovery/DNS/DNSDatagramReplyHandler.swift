import FulcrumDNS
import NIOCore

/// Waits for the answer to one query on a connected UDP socket. The first datagram that answers the query (same ID,
/// same question) or carries an error code for it ends the exchange; any other is ignored and the wait goes on until
/// the deadline. The socket is connected, so the kernel already drops datagrams from any other address.
final class DNSDatagramReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let query: DNSQuery
    private let attempt: DNSExchangeAttempt

    init(query: DNSQuery, attempt: DNSExchangeAttempt) {
        self.query = query
        self.attempt = attempt
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.attempt.isFinished else { return }
        let bytes = Array(self.unwrapInboundIn(data).data.readableBytesView)
        switch DNSReply(classifying: bytes, for: self.query) {
        case .answer(let answer):
            self.attempt.finish(.success(answer))
        case .errorResponse(let code):
            self.attempt.finish(.failure(.errorResponse(code)))
        case .unusable(let reason):
            self.attempt.finish(.failure(.badResponse(reason)))
        case .unrelated(let reason):
            self.attempt.ignore(reason)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO keeps a datagram channel open on ECONNREFUSED (the ICMP error of an earlier send) and reports it here.
        self.attempt.finish(.failure(DNSExchangeFailure(socketError: error)))
    }
}

@available(*, unavailable)
extension DNSDatagramReplyHandler: Sendable {}
