import FulcrumNet

/// The hash of a client that `source_hash` and `maglev` place in their tables: XXH64 (seed 0) of the client address
/// in network byte order (4 bytes for IPv4, 16 for IPv6), followed for `source_ip_port` by the port (2 bytes, big
/// endian).
///
/// IPv4-mapped IPv6 clients (`::ffff:a.b.c.d`, as a dual-stack socket reports IPv4 peers) hash as the IPv4 address,
/// so a client keeps its backend whichever listener it came through. A pick without a client hashes the empty input:
/// every such pick lands on the same member. No allocation: the bytes live in a stack tuple.
public enum ClientHash {
    public static let seed: UInt64 = 0

    public static func hash(_ client: IPEndpoint?, key: HashKey) -> UInt64 {
        guard let client else {
            return withUnsafeBytes(of: ()) { XXHash64.hash($0, seed: ClientHash.seed) }
        }
        let address = client.address.unmapped
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let length = withUnsafeMutableBytes(of: &buffer) { raw -> Int in
            var length = 0
            for index in 0..<address.byteCount {
                raw[length] = address.byte(at: index)
                length += 1
            }
            switch key {
            case .sourceIP:
                break
            case .sourceIPPort:
                raw[length] = UInt8(truncatingIfNeeded: client.port >> 8)
                raw[length + 1] = UInt8(truncatingIfNeeded: client.port)
                length += 2
            }
            return length
        }
        return withUnsafeBytes(of: &buffer) { raw in
            XXHash64.hash(UnsafeRawBufferPointer(rebasing: raw[0..<length]), seed: ClientHash.seed)
        }
    }

    /// The client as it is hashed, for explanations: `10.1.2.3` or `10.1.2.3:5000`, IPv6 in brackets with a port.
    static func describe(_ client: IPEndpoint?, key: HashKey) -> String {
        guard let client else { return "no client" }
        let address = client.address.unmapped
        switch key {
        case .sourceIP:
            return "source_ip \(address)"
        case .sourceIPPort:
            let host = address.isIPv4 ? "\(address)" : "[\(address)]"
            return "source_ip_port \(host):\(client.port)"
        }
    }
}
