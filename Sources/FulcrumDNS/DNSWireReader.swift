/// Reads big-endian fields and names from a DNS message, checking every length against the message's end first:
/// malformed input throws, it never traps and never reads beyond the message.
struct DNSWireReader {
    /// A name cannot have more labels than this (each takes at least 2 of the 255 bytes), so a compressor never
    /// writes a longer chain of pointers; a longer one is refused, which bounds the work per name.
    static let maximumPointerJumps = 127

    let message: [UInt8]
    var offset: Int

    init(_ message: [UInt8], offset: Int = 0) {
        self.message = message
        self.offset = offset
    }

    var remaining: Int { self.message.count - self.offset }

    mutating func readUInt16() throws(DNSMessageError) -> UInt16 {
        guard self.remaining >= 2 else { throw .unexpectedEnd }
        defer { self.offset += 2 }
        return UInt16(self.message[self.offset]) << 8 | UInt16(self.message[self.offset + 1])
    }

    mutating func readUInt32() throws(DNSMessageError) -> UInt32 {
        guard self.remaining >= 4 else { throw .unexpectedEnd }
        defer { self.offset += 4 }
        var value: UInt32 = 0
        for index in self.offset..<(self.offset + 4) { value = value << 8 | UInt32(self.message[index]) }
        return value
    }

    /// Reads a possibly compressed name and returns it uncompressed.
    mutating func readName() throws(DNSMessageError) -> DNSName {
        var wire: [UInt8]? = []
        self.offset = try DNSWireReader.walkName(in: self.message, from: self.offset, storing: &wire)
        return DNSName(wire: wire ?? [0])
    }

    /// Checks a possibly compressed name and moves past it, without building it.
    mutating func skipName() throws(DNSMessageError) {
        var none: [UInt8]? = nil
        self.offset = try DNSWireReader.walkName(in: self.message, from: self.offset, storing: &none)
    }

    /// Decodes the name at `start` (RFC 1035 §4.1.4), appending its uncompressed wire form to `output` unless it is
    /// `nil`, and returns the offset just past the name where it starts (after its first pointer, if any).
    ///
    /// Each pointer must point before the labels that led to it, so the positions read only go down and a loop is
    /// impossible; at most `maximumPointerJumps` pointers and 255 decoded bytes bound the work.
    private static func walkName(
        in message: [UInt8],
        from start: Int,
        storing output: inout [UInt8]?
    ) throws(DNSMessageError) -> Int {
        var position = start
        var segmentStart = start
        var end: Int? = nil
        var jumps = 0
        // The final zero byte is counted up front, so the check below is against the name's full length.
        var decodedLength = 1
        while true {
            guard position < message.count else { throw .unexpectedEnd }
            let lengthByte = message[position]
            switch lengthByte & 0xC0 {
            case 0x00:
                if lengthByte == 0 {
                    output?.append(0)
                    return end ?? position + 1
                }
                let labelEnd = position + 1 + Int(lengthByte)
                guard labelEnd <= message.count else { throw .unexpectedEnd }
                decodedLength += 1 + Int(lengthByte)
                guard decodedLength <= DNSName.maximumWireLength else { throw .nameTooLong }
                output?.append(contentsOf: message[position..<labelEnd])
                position = labelEnd
            case 0xC0:
                guard position + 1 < message.count else { throw .unexpectedEnd }
                let target = Int(lengthByte & 0x3F) << 8 | Int(message[position + 1])
                guard target < segmentStart else { throw .pointerNotBackward }
                jumps += 1
                guard jumps <= DNSWireReader.maximumPointerJumps else { throw .tooManyPointers }
                if end == nil { end = position + 2 }
                position = target
                segmentStart = target
            default:
                throw .invalidLabelLength
            }
        }
    }
}
