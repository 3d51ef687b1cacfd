import FulcrumDNS
import FulcrumNet

/// Bytes from a string of hex pairs; spaces and newlines are ignored.
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") })
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map {
        UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)!
    }
}

func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A length-prefixed label: its length byte, then its ASCII bytes.
func label(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + ascii(text) }

/// A name from text that the test knows is valid.
func name(_ text: String) -> DNSName { try! DNSName(text) }

func address(_ text: String) -> IPAddress { IPAddress(text)! }

/// Parses or fails the test with the error.
func parse(_ bytes: [UInt8]) throws -> DNSMessage { try DNSMessage(parsing: bytes) }

/// The error parsing `bytes` throws, or `nil` when it parses.
func parseError(_ bytes: [UInt8]) -> DNSMessageError? {
    do {
        _ = try DNSMessage(parsing: bytes)
        return nil
    } catch {
        return error
    }
}

/// The answer `response` gives to `query`, or the error it throws, as one value to compare.
func interpret(_ response: DNSMessage, _ query: DNSQuery) -> Result<DNSAnswer, DNSResponseError> {
    Result { () throws(DNSResponseError) in try DNSAnswer(interpreting: response, to: query) }
}

/// A response header as servers send it: QR, RD and RA set.
func responseHeader(id: UInt16, responseCode: UInt8 = 0, truncated: Bool = false) -> DNSHeader {
    DNSHeader(
        id: id,
        isResponse: true,
        isTruncated: truncated,
        isRecursionDesired: true,
        isRecursionAvailable: true,
        responseCodeLowBits: responseCode
    )
}

func record(_ owner: String, ttl: UInt32 = 60, _ data: DNSRecordData) -> DNSResourceRecord {
    DNSResourceRecord(name: name(owner), ttl: ttl, data: data)
}

func srv(_ priority: UInt16, _ weight: UInt16, _ port: UInt16, _ target: String) -> DNSRecordData {
    .srv(DNSServiceLocation(priority: priority, weight: weight, port: port, target: name(target)))
}

func soa(zoneMinimum: UInt32) -> DNSRecordData {
    .soa(
        DNSStartOfAuthority(
            primaryServer: name("ns1.example.com"),
            responsibleMailbox: name("hostmaster.example.com"),
            serial: 1,
            refresh: 7200,
            retry: 3600,
            expire: 1_209_600,
            minimum: zoneMinimum
        )
    )
}

/// Writes a message with name compression (RFC 1035 §4.1.4), independently of the module, which never compresses:
/// each name points at the longest suffix of it already written. Used to turn random messages into realistic wire
/// bytes for the randomized tests.
enum CompressingEncoder {
    static func encode(_ message: DNSMessage) -> [UInt8] {
        // The module's own encoding fixes the field layout; this rewrites it name by name with pointers.
        let plain = message.encoded()
        var output = Array(plain[0..<12])
        var suffixes: [[UInt8]: Int] = [:]
        var input = 12

        func copyName() {
            var labels: [[UInt8]] = []
            while plain[input] != 0 {
                let length = Int(plain[input])
                labels.append(Array(plain[input...(input + length)]))
                input += 1 + length
            }
            input += 1
            for index in labels.indices {
                let suffix = labels[index...].flatMap { $0 }
                if let target = suffixes[suffix] {
                    output += [0xC0 | UInt8(target >> 8), UInt8(target & 0xFF)]
                    return
                }
                if output.count < 0x4000 { suffixes[suffix] = output.count }
                output += labels[index]
            }
            output.append(0)
        }

        func copy(_ count: Int) {
            output += plain[input..<(input + count)]
            input += count
        }

        let counts = (0..<4).map { Int(plain[4 + 2 * $0]) << 8 | Int(plain[5 + 2 * $0]) }
        for _ in 0..<counts[0] {
            copyName()
            copy(4)
        }
        for _ in 0..<(counts[1] + counts[2] + counts[3]) {
            copyName()
            let type = UInt16(plain[input]) << 8 | UInt16(plain[input + 1])
            copy(8)
            let length = Int(plain[input]) << 8 | Int(plain[input + 1])
            input += 2
            let lengthOffset = output.count
            output += [0, 0]
            let dataEnd = input + length
            switch type {
            case DNSRecordType.cname.rawValue:
                copyName()
            case DNSRecordType.srv.rawValue:
                copy(6)
                copyName()
            case DNSRecordType.soa.rawValue:
                copyName()
                copyName()
                copy(20)
            default:
                copy(length)
            }
            precondition(input == dataEnd)
            let written = output.count - lengthOffset - 2
            output[lengthOffset] = UInt8(written >> 8)
            output[lengthOffset + 1] = UInt8(written & 0xFF)
        }
        return output
    }
}
