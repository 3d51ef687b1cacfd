import FulcrumNet

/// Percent-decoding of URL path segments (RFC 3986 §2.1): backend addresses such as `[::1]:9002` arrive as
/// `%5B%3A%3A1%5D%3A9002` (SPEC §7), or raw.
enum PercentDecoding {
    /// The decoded text, or `nil` when an escape is malformed or the bytes are not UTF-8.
    static func decode(_ text: some StringProtocol) -> String? {
        guard text.utf8.contains(UInt8(ascii: "%")) else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(HexDigit.value), let low = iterator.next().flatMap(HexDigit.value)
            else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
