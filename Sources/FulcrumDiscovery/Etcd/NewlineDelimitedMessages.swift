import NIOCore

/// Cuts a streamed HTTP body into its newline-terminated messages (grpc-gateway writes one JSON object per line),
/// whatever the chunk boundaries are.
struct NewlineDelimitedMessages {
    /// The longest message accepted. A watch answer holds the events of one revision, so a transaction that writes
    /// many keys makes a long line; etcd's own request limit is 1.5 MiB per write, far below this. Past it the
    /// stream is malformed, and buffering without a bound would let it exhaust memory.
    static let standardMaximumLength = 64 << 20

    let maximumLength: Int
    private var pending = ByteBuffer()

    init(maximumLength: Int = Self.standardMaximumLength) {
        self.maximumLength = maximumLength
    }

    /// Takes the next chunk; returns the messages it completes (empty lines skipped).
    mutating func append(_ chunk: ByteBuffer) throws(MessageTooLong) -> [[UInt8]] {
        var chunk = chunk
        self.pending.writeBuffer(&chunk)
        var messages: [[UInt8]] = []
        while let newline = self.pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - self.pending.readerIndex
            let line = self.pending.readBytes(length: length)!
            self.pending.moveReaderIndex(forwardBy: 1)
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) {
                messages.append(line)
            }
        }
        if self.pending.readableBytes > self.maximumLength { throw MessageTooLong() }
        self.pending.discardReadBytes()
        return messages
    }

    struct MessageTooLong: Error {}
}
