/// The 16-byte PROXY protocol v2 header with the `LOCAL` command (HAProxy's `check-send-proxy`): it tells a server
/// that expects PROXY headers that this connection is the balancer's own, with no client addresses to carry.
/// Written out here rather than taken from FulcrumProxyProtocol: it is a constant.
enum ProxyV2LocalHeader {
    static let bytes: [UInt8] = [
        // The 12-byte v2 signature: \r\n\r\n\0\r\nQUIT\n
        0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
        0x20,  // version 2, command LOCAL
        0x00,  // family AF_UNSPEC, protocol UNSPEC
        0x00, 0x00,  // no address block
    ]
}
