import FulcrumDNS
import FulcrumNet
import Testing

@Suite("DNS message parsing, randomized")
struct DNSMessageRandomizedTests {
    /// Bytes that matter to the wire format, so that mutations hit pointers, label lengths and types often.
    static let interestingBytes: [UInt8] = [
        0x00, 0x01, 0x05, 0x06, 0x0C, 0x1C, 0x21, 0x29, 0x3F, 0x40, 0x80, 0xC0, 0xFF,
    ]

    static func randomName(using generator: inout SeededGenerator) -> DNSName {
        let pool = ["db", "internal", "example", "com", "_pg", "_tcp", "pg1", "pg2", "www", "Lb", "a"]
        let labels = (0..<Int.random(in: 0...4, using: &generator)).map { _ in pool.randomElement(using: &generator)! }
        return name(labels.isEmpty ? "." : labels.joined(separator: "."))
    }

    static func randomRecord(using generator: inout SeededGenerator) -> DNSResourceRecord {
        let owner = randomName(using: &generator)
        let ttl = UInt32.random(in: 0...0x7FFF_FFFF, using: &generator)
        let data: DNSRecordData
        switch Int.random(in: 0...4, using: &generator) {
        case 0: data = .a(.v4(UInt32.random(in: 0...UInt32.max, using: &generator)))
        case 1: data = .aaaa(.v6(high: generator.next(), low: generator.next()))
        case 2: data = .cname(randomName(using: &generator))
        case 3:
            data = .srv(
                DNSServiceLocation(
                    priority: UInt16.random(in: 0...3, using: &generator),
                    weight: UInt16.random(in: 0...100, using: &generator),
                    port: UInt16.random(in: 0...UInt16.max, using: &generator),
                    target: randomName(using: &generator)
                )
            )
        default:
            data = .soa(
                DNSStartOfAuthority(
                    primaryServer: randomName(using: &generator),
                    responsibleMailbox: randomName(using: &generator),
                    serial: UInt32.random(in: 0...UInt32.max, using: &generator),
                    refresh: 1,
                    retry: 2,
                    expire: 3,
                    minimum: UInt32.random(in: 0...1000, using: &generator)
                )
            )
        }
        return DNSResourceRecord(name: owner, ttl: ttl, data: data)
    }

    static func randomMessage(using generator: inout SeededGenerator) -> DNSMessage {
        func records() -> [DNSResourceRecord] {
            (0..<Int.random(in: 0...4, using: &generator)).map { _ in randomRecord(using: &generator) }
        }
        let types: [DNSRecordType] = [.a, .aaaa, .srv, .cname]
        return DNSMessage(
            header: DNSHeader(
                id: UInt16.random(in: 0...UInt16.max, using: &generator),
                isResponse: Int.random(in: 0...9, using: &generator) > 0,
                opcode: Int.random(in: 0...9, using: &generator) > 0 ? 0 : 2,
                isTruncated: Int.random(in: 0...9, using: &generator) == 0,
                isRecursionDesired: Bool.random(using: &generator),
                responseCodeLowBits: [0, 0, 0, 2, 3, 5].randomElement(using: &generator)!
            ),
            questions: (0..<Int.random(in: 0...2, using: &generator)).map { _ in
                DNSQuestion(name: randomName(using: &generator), type: types.randomElement(using: &generator)!)
            },
            answers: records(),
            authority: records(),
            additional: records(),
            edns: Bool.random(using: &generator)
                ? EDNSParameters(udpPayloadSize: 1232, extendedResponseCode: UInt8.random(in: 0...1, using: &generator))
                : nil
        )
    }

    static func mutate(_ input: [UInt8], using generator: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = Int.random(in: 0...bytes.count, using: &generator)
            let byte =
                Bool.random(using: &generator)
                ? interestingBytes.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            switch Int.random(in: 0...5, using: &generator) {
            case 0: if position < bytes.count { bytes[position] = byte }
            case 1: bytes.insert(byte, at: position)
            case 2: if position < bytes.count { bytes.remove(at: position) }
            case 3: if position < bytes.count { bytes[position] ^= 1 << UInt8.random(in: 0...7, using: &generator) }
            case 4: bytes = Array(bytes[..<position])
            default:
                let end = min(bytes.count, position + Int.random(in: 1...8, using: &generator))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            }
        }
        return bytes
    }

    @Test("Random messages, compressed, parse back to themselves")
    func compressedRoundTrip() throws {
        var generator = SeededGenerator(seed: 0xD45_0001)
        for _ in 0..<5_000 {
            let message = Self.randomMessage(using: &generator)
            #expect(try parse(CompressingEncoder.encode(message)) == message)
            #expect(try parse(message.encoded()) == message)
        }
    }

    @Test("100,000 mutated messages: no trap, and every message parsed reads back the same after encoding")
    func mutatedMessages() {
        var generator = SeededGenerator(seed: 0xD45_0002)
        var parsed = 0
        var failed = 0
        var answered = 0
        for iteration in 0..<100_000 {
            let original =
                iteration % 3 == 0
                ? DNSResponseSamples.all.randomElement(using: &generator)!
                : CompressingEncoder.encode(Self.randomMessage(using: &generator))
            let bytes = Self.mutate(original, using: &generator)
            let message: DNSMessage
            do {
                message = try DNSMessage(parsing: bytes)
            } catch {
                failed += 1
                continue
            }
            parsed += 1
            let encoded = message.encoded()
            guard let again = try? DNSMessage(parsing: encoded), again == message, again.encoded() == encoded else {
                Issue.record("\(bytes) parsed as \(message), which does not read back the same")
                continue
            }
            if let question = message.questions.first {
                let query = DNSQuery(id: message.header.id, name: question.name, type: question.type)
                if case .success = interpret(message, query) { answered += 1 }
            }
        }
        // The mix must exercise both outcomes substantially, or the test proves little.
        #expect(parsed > 8_000, "parsed \(parsed), failed \(failed)")
        #expect(failed > 40_000, "parsed \(parsed), failed \(failed)")
        #expect(answered > 1_000, "answered \(answered)")
    }
}
