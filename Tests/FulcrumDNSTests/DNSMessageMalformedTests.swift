import FulcrumDNS
import Testing

@Suite("DNS message parsing: malformed input")
struct DNSMessageMalformedTests {
    /// A response header with one question and `answers` answers, then `body`.
    static func message(questions: Int = 1, answers: Int = 0, additional: Int = 0, _ body: [UInt8]) -> [UInt8] {
        hex("0001 8180") + [0, UInt8(questions), 0, UInt8(answers), 0, 0, 0, UInt8(additional)] + body
    }

    @Test("A header shorter than 12 bytes", arguments: 0..<12)
    func truncatedHeader(length: Int) {
        #expect(parseError(Array(DNSResponseSamples.twoAddresses.prefix(length))) == .headerTooShort)
    }

    @Test("Every cut of a valid response inside its sections fails cleanly")
    func everyPrefix() {
        for sample in DNSResponseSamples.all {
            for length in 12..<sample.count {
                let error = parseError(Array(sample.prefix(length)))
                let cleanFailure = error == .unexpectedEnd || error == .recordDataBeyondEnd
                #expect(cleanFailure, "cut at \(length): \(String(describing: error))")
            }
        }
    }

    @Test("Counts larger than the message")
    func countsBeyondMessage() {
        var bytes = DNSResponseSamples.twoAddresses
        bytes[7] = 3  // ANCOUNT 3, two answers present
        #expect(parseError(bytes) == .unexpectedEnd)
        bytes = DNSResponseSamples.twoAddresses
        bytes[4] = 0xFF  // QDCOUNT 65281
        #expect(parseError(bytes) == .unexpectedEnd)
        #expect(parseError(hex("0001 8180 FFFF FFFF FFFF FFFF")) == .unexpectedEnd)
    }

    @Test("RDLENGTH reaching past the end")
    func recordDataBeyondEnd() {
        var bytes = DNSResponseSamples.twoAddresses
        bytes[bytes.count - 5] = 5  // the last RDLENGTH: 5 where 4 bytes remain
        #expect(parseError(bytes) == .recordDataBeyondEnd)
        // An unknown type is skipped by RDLENGTH, which is still checked.
        let unknown = Self.message(questions: 0, answers: 1, hex("00 00FF 0001 00000000 FFFF 00"))
        #expect(parseError(unknown) == .recordDataBeyondEnd)
    }

    @Test("Pointer loops: to itself, back to the start of its own name, and through two names")
    func pointerLoops() {
        // The question's name at offset 12 is a pointer to offset 12.
        #expect(parseError(Self.message(hex("C00C 0001 0001"))) == .pointerNotBackward)
        // "a", then at offset 14 a pointer to 12: backward from where it sits, yet a loop.
        #expect(parseError(Self.message(hex("01 61 C00C 0001 0001"))) == .pointerNotBackward)
        // An unknown record's data at offset 23 holds "a" and a pointer to offset 27, where the next record's owner
        // is a pointer to 23.
        let loop = hex("00 00FF 0001 00000000 0004  01 61 C01B   C017 0001 0001 00000000 0000")
        #expect(parseError(Self.message(questions: 0, answers: 2, loop)) == .pointerNotBackward)
    }

    @Test("A forward pointer")
    func forwardPointer() {
        // The question's name points to offset 18, where a valid name lies, but after the pointer.
        #expect(parseError(Self.message(hex("C012 0001 0001 01 61 00"))) == .pointerNotBackward)
    }

    @Test("A pointer past the end of the message")
    func pointerPastEnd() {
        #expect(parseError(Self.message(hex("FFFF 0001 0001"))) == .pointerNotBackward)
        // A pointer cut after its first byte.
        #expect(parseError(Self.message(hex("C0"))) == .unexpectedEnd)
    }

    @Test("A pointer into the header is backward: the bytes there are read as labels")
    func pointerIntoHeader() throws {
        // Offset 3 holds 0x80 (the second flags byte): a reserved label type.
        #expect(parseError(Self.message(hex("C003 0001 0001"))) == .invalidLabelLength)
        // Offset 6 holds 0x00 0x00 (ANCOUNT): the root, a valid if odd name.
        let message = try parse(Self.message(hex("C006 0001 0001")))
        #expect(message.questions[0].name == .root)
    }

    @Test("More pointers in a chain than a name can have labels")
    func tooManyPointers() throws {
        // An answer of an unknown type whose data is a root name followed by 127 pointers, each to the one before;
        // then an answer whose owner points to the last of them: 128 jumps.
        let chainStart = 12 + 11  // after the first record's fixed fields
        func chain(_ pointers: Int) -> [UInt8] {
            var data: [UInt8] = [0]
            for index in 0..<pointers {
                let target = chainStart + (index == 0 ? 0 : 1 + 2 * (index - 1))
                data += [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)]
            }
            let last = chainStart + 1 + 2 * (pointers - 1)
            return hex("00 FFFF 0001 00000000") + [UInt8(data.count >> 8), UInt8(data.count & 0xFF)] + data
                + [0xC0 | UInt8(last >> 8), UInt8(last & 0xFF)] + hex("0001 0001 00000000 0004 01020304")
        }
        #expect(parseError(Self.message(questions: 0, answers: 2, chain(127))) == .tooManyPointers)
        // 126 pointers in the data, 127 jumps with the owner's own: the limit itself is fine.
        #expect(try parse(Self.message(questions: 0, answers: 2, chain(126))).answers.first?.name == .root)
    }

    @Test("A label longer than 63 bytes, and the reserved label types", arguments: [0x40, 0x7F, 0x80, 0xBF])
    func invalidLabelLength(lengthByte: UInt8) {
        let body = [lengthByte] + [UInt8](repeating: 0x61, count: Int(lengthByte & 0x3F)) + hex("00 0001 0001")
        #expect(parseError(Self.message(body)) == .invalidLabelLength)
    }

    @Test("Names of 255 bytes pass; 256 bytes fail, written out or built with pointers")
    func nameLength() throws {
        let label63 = label(String(repeating: "a", count: 63))
        let longest = label63 + label63 + label63 + label(String(repeating: "b", count: 61)) + [0]
        #expect(longest.count == 255)
        #expect(try parse(Self.message(longest + hex("0001 0001"))).questions[0].name.wireLength == 255)
        let tooLong = label63 + label63 + label63 + label(String(repeating: "b", count: 62)) + [0]
        #expect(parseError(Self.message(tooLong + hex("0001 0001"))) == .nameTooLong)
        // The question's name is 3 × 64 + 1 = 193 bytes; an answer's owner adds a 62-byte label and points to it:
        // 256 bytes.
        let question = label63 + label63 + label63 + [0] + hex("0001 0001")
        let owner = label(String(repeating: "c", count: 61)) + hex("C00C")
        let answer = hex("0001 0001 00000000 0004 01020304")
        #expect(try parse(Self.message(answers: 1, question + owner + answer)).answers[0].name.wireLength == 255)
        let longerOwner = label(String(repeating: "c", count: 62)) + hex("C00C")
        #expect(parseError(Self.message(answers: 1, question + longerOwner + answer)) == .nameTooLong)
    }

    @Test(
        "Record data that does not match its type",
        arguments: [
            hex("0001 0001 00000000 0005 0102030405"),  // A of 5 bytes
            hex("0001 0001 00000000 0003 010203"),  // A of 3 bytes
            hex("001C 0001 00000000 0004 01020304"),  // AAAA of 4 bytes
            hex("0005 0001 00000000 0003 00 0000"),  // CNAME "." with 2 bytes after it
            hex("0005 0001 00000000 0002 01 61"),  // CNAME cut inside its name (the RDLENGTH says 2)
            hex("0021 0001 00000000 0006 0001 0002 0003"),  // SRV without a target
            hex("0021 0001 00000000 0008 0001 0002 0003 00 00"),  // SRV with a byte after its target
            hex("0006 0001 00000000 0015 00 00" + String(repeating: "00", count: 19)),  // SOA one byte short
        ]
    )
    func malformedRecordData(recordAfterOwner: [UInt8]) {
        // A trailing record keeps every cut name inside the message, so the fault is the RDATA's, not the end's.
        let trailing = hex("00 0010 0001 00000000 0004 00000000")
        let bytes = Self.message(questions: 0, answers: 2, [0] + recordAfterOwner + trailing)
        #expect(parseError(bytes) == .malformedRecordData)
    }

    @Test("Two OPT records, and an OPT record not owned by the root")
    func malformedOPT() {
        let opt = hex("00 0029 04D0 00000000 0000")
        #expect(parseError(Self.message(questions: 0, additional: 2, opt + opt)) == .malformedOPT)
        let ownedByA = hex("01 61 00 0029 04D0 00000000 0000")
        #expect(parseError(Self.message(questions: 0, additional: 1, ownedByA)) == .malformedOPT)
        // In the answer section an OPT record is just a type this module does not read.
        #expect(parseError(Self.message(questions: 0, answers: 1, opt)) == nil)
    }
}
