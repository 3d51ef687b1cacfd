import FulcrumNet
import NIOCore

extension SocketAddress {
    /// The socket address of `endpoint`, without a round trip through text.
    init(_ endpoint: IPEndpoint) throws {
        var packed = ByteBuffer()
        endpoint.address.withNetworkBytes { _ = packed.writeBytes($0) }
        try self.init(packedIPAddress: packed, port: Int(endpoint.port))
    }
}
