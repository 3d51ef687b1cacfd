import FulcrumNet
import NIOCore
import NIOPosix
import Synchronization

/// The small servers `fulcrum demo` puts behind Fulcrum: each says who it is, so that balancing is visible.
/// An HTTP request gets a one-line HTTP response; anything else is echoed back line by line with the backend's name.
enum DemoBackends {
    /// Starts `count` TCP demo backends on 127.0.0.1 (ports chosen by the kernel).
    static func startTCP(count: Int, group: any EventLoopGroup) async throws -> [(name: String, endpoint: IPEndpoint, channel: any Channel)] {
        var started: [(name: String, endpoint: IPEndpoint, channel: any Channel)] = []
        for index in 1...count {
            let name = "backend-\(index)"
            let identity = NameBox()
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DemoTCPHandler(name: identity.value))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            let port = UInt16(channel.localAddress?.port ?? 0)
            let endpoint = IPEndpoint(address: .v4(0x7F00_0001), port: port)
            identity.set("\(name) at \(endpoint)")
            started.append((name, endpoint, channel))
        }
        return started
    }
}

extension DemoBackends {
    /// Starts `count` UDP demo backends on 127.0.0.1 that answer each datagram with their name and the datagram.
    static func startUDP(count: Int, group: any EventLoopGroup) async throws -> [(name: String, endpoint: IPEndpoint, channel: any Channel)] {
        var started: [(name: String, endpoint: IPEndpoint, channel: any Channel)] = []
        for index in 1...count {
            let name = "udp-backend-\(index)"
            let channel = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DemoUDPHandler(name: name))
                    }
                }
                .bind(host: "127.0.0.1", port: 0)
                .get()
            let port = UInt16(channel.localAddress?.port ?? 0)
            started.append((name, IPEndpoint(address: .v4(0x7F00_0001), port: port), channel))
        }
        return started
    }
}

/// Answers every datagram with `NAME: ` and the datagram.
private final class DemoUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let name: String

    init(name: String) { self.name = name }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = self.unwrapInboundIn(data)
        var reply = context.channel.allocator.buffer(capacity: envelope.data.readableBytes + self.name.utf8.count + 2)
        reply.writeString("\(self.name): ")
        reply.writeImmutableBuffer(envelope.data)
        context.writeAndFlush(
            self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
    }
}

@available(*, unavailable)
extension DemoUDPHandler: Sendable {}

/// The name a backend introduces itself with, known only once its port is bound.
private final class NameBox: Sendable {
    private let storage = Mutex("")
    var value: String { self.storage.withLock { $0 } }
    func set(_ value: String) { self.storage.withLock { $0 = value } }
}

/// Answers one demo client: HTTP gets a response naming the backend, anything else an echo.
private final class DemoTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let name: String
    private var sawFirstBytes = false
    private var isHTTP = false

    init(name: String) { self.name = name }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = self.unwrapInboundIn(data)
        let text = buffer.readString(length: buffer.readableBytes) ?? ""
        if !self.sawFirstBytes {
            self.sawFirstBytes = true
            self.isHTTP = ["GET ", "HEAD ", "POST ", "PUT "].contains { text.hasPrefix($0) }
        }
        if self.isHTTP {
            // One response per connection is enough for a demo: answer once the request head is complete.
            guard text.contains("\r\n\r\n") else { return }
            let body = "Hello from \(self.name)\n"
            let response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)"
            let channel = context.channel
            context.writeAndFlush(self.wrapOutboundOut(channel.allocator.buffer(string: response)))
                .whenComplete { _ in channel.close(promise: nil) }
        } else {
            let reply = "\(self.name): \(text)"
            context.writeAndFlush(self.wrapOutboundOut(context.channel.allocator.buffer(string: reply)), promise: nil)
        }
    }
}

@available(*, unavailable)
extension DemoTCPHandler: Sendable {}
