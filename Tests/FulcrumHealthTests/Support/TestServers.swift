import FulcrumNet
import FulcrumTestSupport
import NIOCore
import NIOPosix
import Synchronization

/// What a loopback TCP test server does with each connection.
enum TCPServerBehavior: Sendable {
    /// Accepts and never writes.
    case silent
    /// Closes every connection as soon as it is accepted.
    case closeAtOnce
    /// Writes `segments` one by one (flushed separately, a few ms apart), then closes if `thenClose`.
    case write(segments: [[UInt8]], thenClose: Bool)
    /// Once the received bytes contain `trigger`, writes `reply` (and keeps the connection open).
    case replyOn(trigger: [UInt8], reply: [UInt8])
}

/// A loopback TCP server on an ephemeral port that records what it receives.
final class TCPTestServer: Sendable {
    let channel: any Channel

    var port: UInt16 { UInt16(self.channel.localAddress!.port!) }
    var endpoint: IPEndpoint { IPEndpoint(address: .v4(0x7F00_0001), port: self.port) }

    static func start(
        behavior: TCPServerBehavior,
        port: UInt16 = 0,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TCPTestServer {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        TCPBehaviorHandler(behavior: behavior, box: box)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: Int(port))
            .get()
        return TCPTestServer(channel: channel, box: box)
    }

    private let box: ServerBox

    private init(channel: any Channel, box: ServerBox) {
        self.channel = channel
        self.box = box
    }

    /// Every byte received so far, over all connections.
    var receivedBytes: [UInt8] { self.box.received.withLock { $0 } }
    /// Connections accepted so far.
    var acceptedCount: Int { self.box.accepted.load(ordering: .relaxed) }
    /// Connections that have ended so far.
    var endedCount: Int { self.box.ended.load(ordering: .relaxed) }

    /// Stops listening (open connections stay).
    func close() async throws {
        try await self.channel.close()
    }
}

final class ServerBox: Sendable {
    let received = Mutex<[UInt8]>([])
    let accepted = Atomic<Int>(0)
    /// Connections that ended (the peer closed, or the server did): every byte they carried has been received.
    let ended = Atomic<Int>(0)
}

private final class TCPBehaviorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let behavior: TCPServerBehavior
    private let box: ServerBox
    private var connectionBytes: [UInt8] = []
    private var replied = false

    init(behavior: TCPServerBehavior, box: ServerBox) {
        self.behavior = behavior
        self.box = box
    }

    func channelActive(context: ChannelHandlerContext) {
        self.box.accepted.add(1, ordering: .relaxed)
        switch self.behavior {
        case .silent, .replyOn:
            break
        case .closeAtOnce:
            context.close(promise: nil)
        case .write(let segments, let thenClose):
            self.writeSegments(segments[...], thenClose: thenClose, context: context)
        }
        context.fireChannelActive()
    }

    private func writeSegments(_ segments: ArraySlice<[UInt8]>, thenClose: Bool, context: ChannelHandlerContext) {
        guard let first = segments.first else {
            if thenClose { context.close(promise: nil) }
            return
        }
        context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: first)), promise: nil)
        let rest = segments.dropFirst()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .milliseconds(15)) {
            let (handler, context) = bound.value
            guard context.channel.isActive else { return }
            handler.writeSegments(rest, thenClose: thenClose, context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = Array(buffer: self.unwrapInboundIn(data))
        self.box.received.withLock { $0.append(contentsOf: bytes) }
        self.connectionBytes.append(contentsOf: bytes)
        if case .replyOn(let trigger, let reply) = self.behavior, !self.replied,
            self.connectionBytes.contains(trigger)
        {
            self.replied = true
            context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(bytes: reply)), promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.box.ended.add(1, ordering: .relaxed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// What a loopback UDP test server does with each datagram.
enum UDPServerBehavior: Sendable {
    /// Sends the datagram back.
    case echo
    /// Answers every datagram with `reply`.
    case reply([UInt8])
    /// Never answers.
    case silent
}

/// A loopback UDP server on an ephemeral port that records what it receives.
final class UDPTestServer: Sendable {
    let channel: any Channel
    private let box: ServerBox

    var port: UInt16 { UInt16(self.channel.localAddress!.port!) }
    var endpoint: IPEndpoint { IPEndpoint(address: .v4(0x7F00_0001), port: self.port) }
    var receivedBytes: [UInt8] { self.box.received.withLock { $0 } }
    var datagramCount: Int { self.box.accepted.load(ordering: .relaxed) }

    private init(channel: any Channel, box: ServerBox) {
        self.channel = channel
        self.box = box
    }

    static func start(
        behavior: UDPServerBehavior,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> UDPTestServer {
        let box = ServerBox()
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UDPBehaviorHandler(behavior: behavior, box: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return UDPTestServer(channel: channel, box: box)
    }

    func close() async throws {
        try await self.channel.close()
    }
}

private final class UDPBehaviorHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let behavior: UDPServerBehavior
    private let box: ServerBox

    init(behavior: UDPServerBehavior, box: ServerBox) {
        self.behavior = behavior
        self.box = box
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = self.unwrapInboundIn(data)
        self.box.accepted.add(1, ordering: .relaxed)
        self.box.received.withLock { $0.append(contentsOf: Array(buffer: envelope.data)) }
        let answer: ByteBuffer
        switch self.behavior {
        case .echo: answer = envelope.data
        case .reply(let bytes): answer = context.channel.allocator.buffer(bytes: bytes)
        case .silent: return
        }
        context.writeAndFlush(
            self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: answer)),
            promise: nil
        )
    }
}

/// A loopback port with nothing listening, which nothing else will take meanwhile (`freeLoopbackPort`): TCP
/// connects are refused, UDP datagrams draw an ICMP port unreachable.
func closedPort() async throws -> UInt16 {
    freeLoopbackPort()
}

func loopback(_ port: UInt16) -> IPEndpoint {
    IPEndpoint(address: .v4(0x7F00_0001), port: port)
}

extension Array where Element == UInt8 {
    init(_ text: String) { self = Array(text.utf8) }

    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty else { return true }
        guard self.count >= needle.count else { return false }
        for start in 0...(self.count - needle.count) where self[start..<(start + needle.count)].elementsEqual(needle) {
            return true
        }
        return false
    }
}
