import FulcrumNet
import FulcrumProxyProtocol
import FulcrumTestSupport
import Testing

@Suite("ProxyHeaderParser randomized")
struct ProxyHeaderRandomizedTests {
    /// Bytes that matter to the grammar, so that mutations hit interesting cases more often than uniform bytes do.
    static let interestingBytes =
        ascii(" \r\n:.0123456789abcdefPROXYTCP46UNKW") + [0x00, 0x03, 0x0A, 0x0D, 0x11, 0x20, 0x21, 0xFF]

    static func validSample(using generator: inout SeededGenerator) -> [UInt8] {
        let header = ProxyHeaderRoundTripTests.randomHeader(using: &generator)
        var bytes = header.encoded()
        // v2 PROXY headers sometimes get TLVs, and sometimes a checksum over them.
        if header.version == .v2, bytes[12] == 0x21, bytes[13] != 0x00, UInt8.random(in: 0...2, using: &generator) == 0
        {
            var tlvs: [UInt8] = []
            var checksumOffset: Int?
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                if checksumOffset == nil, Bool.random(using: &generator) {
                    checksumOffset = bytes.count + tlvs.count + 3
                    tlvs += [0x03, 0x00, 0x04, 0, 0, 0, 0]
                } else {
                    let length = Int.random(in: 0...20, using: &generator)
                    tlvs += [UInt8.random(in: 0...255, using: &generator), 0, UInt8(length)]
                    tlvs += (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                }
            }
            let total = Int(bytes[14]) << 8 | Int(bytes[15]) + tlvs.count
            bytes[14] = UInt8(total >> 8)
            bytes[15] = UInt8(total & 0xFF)
            bytes += tlvs
            if let checksumOffset {
                let crc = referenceCRC32C(bytes)
                for index in 0..<4 {
                    bytes[checksumOffset + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * index))
                }
            }
        }
        return bytes
    }

    static func mutate(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...3, using: &generator) {
            let position = Int.random(in: 0...bytes.count, using: &generator)
            let byte =
                Bool.random(using: &generator)
                ? interestingBytes.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            switch UInt8.random(in: 0...6, using: &generator) {
            case 0: if position < bytes.count { bytes[position] = byte }
            case 1: bytes.insert(byte, at: position)
            case 2: if position < bytes.count { bytes.remove(at: position) }
            case 3: bytes = Array(bytes[..<position])  // truncation
            case 4: if position < bytes.count { bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &generator) }
            case 5:
                // Duplicate a short run.
                let end = min(bytes.count, position + Int.random(in: 1...8, using: &generator))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default:
                bytes += (0..<Int.random(in: 1...10, using: &generator)).map { _ in
                    UInt8.random(in: 0...255, using: &generator)
                }
            }
        }
        return bytes
    }

    static func input(_ iteration: Int, using generator: inout SeededGenerator) -> [UInt8] {
        switch iteration % 10 {
        case 0:
            return (0..<Int.random(in: 0...120, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
        case 1:
            let start = Bool.random(using: &generator) ? ascii("PROXY ") : v2Signature
            return start
                + (0..<Int.random(in: 0...110, using: &generator)).map { _ in
                    interestingBytes.randomElement(using: &generator)!
                }
        case 2:
            return validSample(using: &generator)
        default:
            return mutate(validSample(using: &generator), using: &generator)
        }
    }

    @Test("100,000 random and mutated inputs in random pieces: the verdict the reference gives, no crash, no hang")
    func randomizedAgainstReference() {
        var generator = SeededGenerator(seed: 0xF022_0001)
        var tally: [String: Int] = [:]
        for iteration in 0..<100_000 {
            let bytes = Self.input(iteration, using: &generator)
            let reference = ReferenceProxyHeaderParser.verdict(bytes)
            let cuts = (0..<Int.random(in: 0...6, using: &generator)).map { _ in
                Int.random(in: 0...bytes.count, using: &generator)
            }.sorted()
            let whole = outcome(of: bytes)
            let pieces = outcome(of: bytes, cuts: cuts)
            #expect(whole == pieces, "\(bytes) cut at \(cuts)")
            switch (reference, whole) {
            case (.needMore, .needMore), (.invalid, .invalid):
                break
            case (.complete(let expectedHeader, let expectedLength), .complete(let header, let length)):
                #expect(header == expectedHeader, "\(bytes)")
                #expect(length == expectedLength, "\(bytes)")
            default:
                Issue.record("reference \(reference), parser \(whole) for \(bytes)")
            }
            switch whole {
            case .needMore: tally["needMore", default: 0] += 1
            case .complete: tally["complete", default: 0] += 1
            case .invalid: tally["invalid", default: 0] += 1
            }
        }
        // The mix must exercise every verdict substantially, or the test proves little.
        #expect(tally["needMore", default: 0] > 3_000, "\(tally)")
        #expect(tally["complete", default: 0] > 20_000, "\(tally)")
        #expect(tally["invalid", default: 0] > 20_000, "\(tally)")
    }

    @Test("Every strict prefix of mutated inputs agrees with the reference, byte by byte")
    func everyPrefix() {
        var generator = SeededGenerator(seed: 0xF022_0002)
        for iteration in 0..<3_000 {
            let bytes = Self.input(iteration, using: &generator)
            var parser = ProxyHeaderParser()
            for end in 0..<bytes.count {
                let verdict = parser.feed(bytes[end..<end + 1])
                let reference = ReferenceProxyHeaderParser.verdict(Array(bytes[...end]))
                let agrees: Bool =
                    switch (verdict, reference) {
                    case (.needMore, .needMore), (.invalid, .invalid): true
                    case (.complete(let header, 1), .complete(let expected, let length)):
                        header == expected && length == end + 1
                    default: false
                    }
                #expect(agrees, "at byte \(end): parser \(verdict), reference \(reference) for \(bytes)")
                if !agrees { return }
                if case .needMore = verdict { continue }
                break
            }
        }
    }
}
