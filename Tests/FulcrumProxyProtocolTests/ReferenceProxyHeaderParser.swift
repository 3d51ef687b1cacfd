import FulcrumNet
import FulcrumProxyProtocol

/// A second reading of the PROXY protocol for differential tests, written the plain way: look at the whole input,
/// split the v1 line on spaces and use `IPAddress`/`IPEndpoint.parsePort`, walk v2 TLVs by offset. It shares no
/// code with `ProxyHeaderParser` beyond FulcrumNet.
///
/// `needMore` means the input is a strict prefix of some valid header. For a partial v1 address that is decided by
/// trying a small set of completions; for v2 TLVs by trying every value length the known bytes allow. A CRC32C
/// mismatch only counts once the header is complete, as for the parser.
enum ReferenceProxyHeaderParser {
    enum Verdict: Hashable, CustomStringConvertible {
        case needMore
        case complete(ProxyHeader, length: Int)
        case invalid

        var description: String {
            switch self {
            case .needMore: return "needMore"
            case .complete(let header, let length): return "complete(\(header), length: \(length))"
            case .invalid: return "invalid"
            }
        }
    }

    static func verdict(_ input: [UInt8], maximumV2Length: Int = ProxyHeaderParser.defaultMaximumV2Length) -> Verdict {
        guard let first = input.first else { return .needMore }
        if first == UInt8(ascii: "P") { return self.v1(input) }
        if first == 0x0D { return self.v2(input, maximumV2Length: maximumV2Length) }
        return .invalid
    }

    // MARK: - v1

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")

    static func v1(_ input: [UInt8]) -> Verdict {
        let prefix = ascii("PROXY ")
        if input.count < prefix.count { return input == Array(prefix[..<input.count]) ? .needMore : .invalid }
        guard Array(input[..<prefix.count]) == prefix else { return .invalid }
        if let end = input.firstIndex(where: { $0 == self.cr || $0 == self.lf }) {
            guard input[end] == self.cr, end + 2 <= 107 else { return .invalid }
            guard let header = self.completeLine(Array(input[prefix.count..<end])) else { return .invalid }
            if end + 1 == input.count { return .needMore }
            guard input[end + 1] == self.lf else { return .invalid }
            return .complete(header, length: end + 2)
        }
        // The CR must still fit at index 105 at the latest (107 bytes with the LF).
        guard input.count <= 105 else { return .invalid }
        return self.isViableLine(Array(input[prefix.count...])) ? .needMore : .invalid
    }

    private static func fields(_ content: [UInt8]) -> [[UInt8]] {
        content.split(separator: self.space, omittingEmptySubsequences: false).map(Array.init)
    }

    private static func completeLine(_ content: [UInt8]) -> ProxyHeader? {
        let unknown = ascii("UNKNOWN")
        if content == unknown || content.starts(with: unknown + [self.space]) { return .unknown(.v1) }
        let parts = self.fields(content)
        guard parts.count == 5, let isIPv4 = self.family(parts[0]),
            let source = self.address(parts[1], isIPv4: isIPv4),
            let destination = self.address(parts[2], isIPv4: isIPv4),
            let sourcePort = self.port(parts[3]), let destinationPort = self.port(parts[4])
        else { return nil }
        return .proxy(
            .v1,
            source: IPEndpoint(address: source, port: sourcePort),
            destination: IPEndpoint(address: destination, port: destinationPort)
        )
    }

    private static func isViableLine(_ content: [UInt8]) -> Bool {
        let unknown = ascii("UNKNOWN")
        if unknown.starts(with: content) || content.starts(with: unknown + [self.space]) { return true }
        let parts = self.fields(content)
        if parts.count == 1 { return ascii("TCP4").starts(with: parts[0]) || ascii("TCP6").starts(with: parts[0]) }
        guard parts.count <= 5, let isIPv4 = self.family(parts[0]) else { return false }
        for index in 1..<parts.count - 1 {
            let valid = index <= 2 ? self.address(parts[index], isIPv4: isIPv4) != nil : self.port(parts[index]) != nil
            if !valid { return false }
        }
        let last = parts[parts.count - 1]
        if last.isEmpty { return true }
        if parts.count >= 4 { return self.port(last) != nil }  // a prefix of a valid port is a valid port
        return self.completions.contains { self.address(last + $0, isIPv4: isIPv4) != nil }
    }

    /// Suffixes that complete any completable partial literal: finish or start a field, then fill the groups or
    /// octets that are missing.
    private static let completions: [[UInt8]] = {
        var bodies: [String] = ["", "::"]
        for count in 1...7 { bodies.append(String(repeating: ":0", count: count)) }
        for count in 1...3 { bodies.append(String(repeating: ".0", count: count)) }
        return ["", "0", ":", "::"].flatMap { lead in bodies.map { ascii(lead + $0) } }
    }()

    private static func family(_ field: [UInt8]) -> Bool? {
        if field == ascii("TCP4") { return true }
        if field == ascii("TCP6") { return false }
        return nil
    }

    private static func address(_ field: [UInt8], isIPv4: Bool) -> IPAddress? {
        guard let address = IPAddress(String(decoding: field, as: UTF8.self)), address.isIPv4 == isIPv4 else {
            return nil
        }
        return address
    }

    private static func port(_ field: [UInt8]) -> UInt16? {
        IPEndpoint.parsePort(String(decoding: field, as: UTF8.self))
    }

    // MARK: - v2

    static func v2(_ input: [UInt8], maximumV2Length: Int) -> Verdict {
        let count = input.count
        for index in 0..<min(count, 12) where input[index] != v2Signature[index] { return .invalid }
        if count <= 12 { return .needMore }
        guard input[12] == 0x20 || input[12] == 0x21 else { return .invalid }
        let isProxy = input[12] == 0x21
        if count <= 13 { return .needMore }
        let addressLengths: [UInt8: Int] = [0x00: 0, 0x11: 12, 0x12: 12, 0x21: 36, 0x22: 36, 0x31: 216, 0x32: 216]
        guard let addressLength = isProxy ? addressLengths[input[13]] : 0 else { return .invalid }
        if count <= 14 { return .needMore }
        guard Int(input[14]) << 8 <= maximumV2Length else { return .invalid }
        if count <= 15 { return .needMore }
        let length = Int(input[14]) << 8 | Int(input[15])
        guard length <= maximumV2Length else { return .invalid }
        let end = 16 + length
        var checksumAt: Int?
        if addressLength > 0 {
            guard length >= addressLength else { return .invalid }
            var position = 16 + addressLength
            while position < end {
                guard end - position >= 3 else { return .invalid }
                // Known bytes of this TLV's header; try every value length they allow.
                let type = position < count ? input[position] : nil
                let high = position + 1 < count ? input[position + 1] : nil
                let low = position + 2 < count ? input[position + 2] : nil
                let isChecksum = type == 0x03
                if isChecksum, checksumAt != nil { return .invalid }
                let viable = (0...(end - position - 3)).contains { valueLength in
                    let rest = end - position - 3 - valueLength
                    return (rest == 0 || rest >= 3) && (!isChecksum || valueLength == 4)
                        && (high == nil || UInt8(valueLength >> 8) == high)
                        && (low == nil || UInt8(valueLength & 0xFF) == low)
                }
                guard viable else { return .invalid }
                guard let high, let low else { return .needMore }
                if isChecksum { checksumAt = position + 3 }
                position += 3 + (Int(high) << 8 | Int(low))
            }
        }
        if count < end { return .needMore }
        if let checksumAt {
            var zeroed = Array(input[..<end])
            let expected = zeroed[checksumAt..<checksumAt + 4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            for index in checksumAt..<checksumAt + 4 { zeroed[index] = 0 }
            guard referenceCRC32C(zeroed) == expected else { return .invalid }
        }
        return .complete(self.v2Header(input, isProxy: isProxy), length: end)
    }

    private static func v2Header(_ input: [UInt8], isProxy: Bool) -> ProxyHeader {
        guard isProxy else { return .local(.v2) }
        let family = input[13]
        let addressBytes: Int
        switch family >> 4 {
        case 1: addressBytes = 4
        case 2: addressBytes = 16
        default: return .unknown(.v2)
        }
        guard family & 0x0F == 1 || family & 0x0F == 2 else { return .unknown(.v2) }
        let source = IPAddress(networkBytes: input[16..<16 + addressBytes])!
        let destination = IPAddress(networkBytes: input[16 + addressBytes..<16 + 2 * addressBytes])!
        let ports = 16 + 2 * addressBytes
        return .proxy(
            .v2,
            transport: family & 0x0F == 1 ? .stream : .datagram,
            source: IPEndpoint(address: source, port: UInt16(input[ports]) << 8 | UInt16(input[ports + 1])),
            destination: IPEndpoint(
                address: destination,
                port: UInt16(input[ports + 2]) << 8 | UInt16(input[ports + 3])
            )
        )
    }
}
