/// DNS over TCP puts a 2-byte big-endian length before each message (RFC 1035 §4.2.2, RFC 7766 §8).
public enum DNSTCPFraming {
    /// The length prefix's size.
    public static let prefixLength = 2

    /// `message` with its length prefix. A message longer than 65,535 bytes cannot be framed: a programmer error,
    /// it traps (queries are a few hundred bytes).
    public static func framed(_ message: [UInt8]) -> [UInt8] {
        precondition(message.count <= Int(UInt16.max), "a DNS message over TCP is at most 65535 bytes")
        return [UInt8(truncatingIfNeeded: message.count >> 8), UInt8(truncatingIfNeeded: message.count)] + message
    }

    /// Where the first message lies in `stream`, the bytes read so far from a TCP connection: the range of the
    /// message's own bytes (after its prefix), or `nil` while it is not all there. The next message, if any, starts
    /// at the range's upper bound.
    public static func firstMessage(in stream: [UInt8]) -> Range<Int>? {
        guard stream.count >= DNSTCPFraming.prefixLength else { return nil }
        let length = Int(stream[0]) << 8 | Int(stream[1])
        guard stream.count - DNSTCPFraming.prefixLength >= length else { return nil }
        return DNSTCPFraming.prefixLength..<(DNSTCPFraming.prefixLength + length)
    }
}
