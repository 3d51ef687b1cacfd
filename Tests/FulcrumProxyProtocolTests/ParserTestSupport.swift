import FulcrumNet
import FulcrumProxyProtocol

/// What feeding a whole input produced, independent of how it was cut into pieces: `length` is the header's length
/// counted from the start of the input.
enum Outcome: Hashable, CustomStringConvertible {
    case needMore
    case complete(ProxyHeader, length: Int)
    case invalid(ProxyHeaderError)

    var description: String {
        switch self {
        case .needMore: return "needMore"
        case .complete(let header, let length): return "complete(\(header), length: \(length))"
        case .invalid(let error): return "invalid(\(error))"
        }
    }
}

/// Feeds `bytes` to a fresh parser cut at `cuts` (sorted offsets), stopping at the first verdict.
func outcome(
    of bytes: [UInt8],
    cuts: [Int] = [],
    maximumV2Length: Int = ProxyHeaderParser.defaultMaximumV2Length
) -> Outcome {
    var parser = ProxyHeaderParser(maximumV2Length: maximumV2Length)
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        switch parser.feed(bytes[start..<end]) {
        case .needMore:
            start = end
        case .complete(let header, let consumed):
            precondition(consumed >= 1 && consumed <= end - start, "consumed \(consumed) outside the piece")
            return .complete(header, length: start + consumed)
        case .invalid(let error):
            return .invalid(error)
        }
    }
    return .needMore
}

/// Bytes from a string of hex pairs; spaces and newlines are ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

func endpoint(_ text: String) -> IPEndpoint { IPEndpoint(text)! }

let v2Signature = hex("0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A")

/// CRC-32C written independently of the module's, checked against the standard check value in a test.
func referenceCRC32C(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
    }
    return ~crc
}
