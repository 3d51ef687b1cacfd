import FulcrumDNS
import FulcrumNet
import NIOCore
import NIOPosix
import Synchronization

/// A UDP "DNS server" on a loopback port that answers each query with whatever datagrams a test's closure returns
/// (none: silence), and keeps the queries it received. For the stub resolver's behaviour that a real server cannot
/// be made to show on demand: stray and forged datagrams, FORMERR to EDNS, SERVFAIL.
final class FakeDNSResponder: Sendable {
    typealias Reply = @Sendable (DNSMessage) -> [[UInt8]]

    private let channel: any Channel
    private let log: ReceivedQueries

    var endpoint: IPEndpoint { IPEndpoint(address: .v4(0x7F00_0001), port: UInt16(self.channel.localAddress!.port!)) }
    /// The queries received so far, in order.
    var queries: [DNSMessage] { self.log.messages.withLock { $0 } }

    /// Binds a UDP socket on 127.0.0.1, on a port the kernel picks and the responder keeps until `stop()`.
    static func start(_ reply: @escaping Reply) async throws -> FakeDNSResponder {
        let log = ReceivedQueries()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(reply: reply, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return FakeDNSResponder(channel: channel, log: log)
    }

    private init(channel: any Channel, log: ReceivedQueries) {
        self.channel = channel
        self.log = log
    }

    func stop() async {
        try? await self.channel.close()
    }

    /// A response to `query`: its ID and question unless given, `code`, and A or AAAA records for `addresses`.
    static func response(
        to query: DNSMessage,
        id: UInt16? = nil,
        question: DNSQuestion? = nil,
        code: DNSResponseCode = .noError,
        addresses: [IPAddress] = [],
        ttl: UInt32 = 60
    ) -> [UInt8] {
        let asked = question ?? query.questions[0]
        let header = DNSHeader(
            id: id ?? query.header.id,
            isResponse: true,
            isRecursionDesired: true,
            isRecursionAvailable: true,
            responseCodeLowBits: UInt8(code.rawValue & 0x0F)
        )
        let answers = addresses.map { address in
            DNSResourceRecord(name: asked.name, ttl: ttl, data: address.isIPv4 ? .a(address) : .aaaa(address))
        }
        return DNSMessage(header: header, questions: [asked], answers: answers).encoded()
    }

    private final class ReceivedQueries: Sendable {
        let messages = Mutex<[DNSMessage]>([])
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        private let reply: Reply
        private let log: ReceivedQueries

        init(reply: @escaping Reply, log: ReceivedQueries) {
            self.reply = reply
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = self.unwrapInboundIn(data)
            guard let query = try? DNSMessage(parsing: Array(envelope.data.readableBytesView)) else { return }
            self.log.messages.withLock { $0.append(query) }
            for datagram in self.reply(query) {
                let buffer = context.channel.allocator.buffer(bytes: datagram)
                let reply = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)
                context.write(self.wrapOutboundOut(reply), promise: nil)
            }
            context.flush()
        }
    }
}
