import FulcrumNet
import FulcrumTestSupport
import FulcrumProxyProtocol
import Testing

@Suite("ProxyHeaderParser v1")
struct ProxyHeaderParserV1Tests {
    static let fullIPv6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

    static let valid: [(String, ProxyHeader)] = [
        (
            "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
            .proxy(.v1, source: endpoint("192.168.0.1:56324"), destination: endpoint("192.168.0.11:443"))
        ),
        (
            "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n",
            .proxy(.v1, source: endpoint("0.0.0.0:0"), destination: endpoint("255.255.255.255:65535"))
        ),
        (
            "PROXY TCP6 2001:db8::1 ::1 1234 80\r\n",
            .proxy(.v1, source: endpoint("[2001:db8::1]:1234"), destination: endpoint("[::1]:80"))
        ),
        (
            "PROXY TCP6 ::ffff:1.2.3.4 2001:DB8:0:0:0:0:0:2 1 2\r\n",
            .proxy(.v1, source: endpoint("[::ffff:1.2.3.4]:1"), destination: endpoint("[2001:db8::2]:2"))
        ),
        (
            "PROXY TCP6 :: 1:2:3:4:5:6:7:8 10 20\r\n",
            .proxy(.v1, source: endpoint("[::]:10"), destination: endpoint("[1:2:3:4:5:6:7:8]:20"))
        ),
        (
            "PROXY TCP6 \(fullIPv6) \(fullIPv6) 65535 65535\r\n",
            .proxy(.v1, source: endpoint("[\(fullIPv6)]:65535"), destination: endpoint("[\(fullIPv6)]:65535"))
        ),
        ("PROXY UNKNOWN\r\n", .unknown(.v1)),
        ("PROXY UNKNOWN \r\n", .unknown(.v1)),
        ("PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n", .unknown(.v1)),
        ("PROXY UNKNOWN whatever\t\u{0}\u{7F} follows\r\n", .unknown(.v1)),
        ("PROXY UNKNOWN \(fullIPv6) \(fullIPv6) 65535 65535\r\n", .unknown(.v1)),  // the 107-byte worst case
    ]

    @Test("Valid lines decode, in one piece and followed by payload")
    func validLines() {
        for (line, header) in Self.valid {
            let bytes = ascii(line)
            #expect(bytes.count <= 107)
            #expect(outcome(of: bytes) == .complete(header, length: bytes.count), "\(line)")
            let payload = ascii("GET / HTTP/1.1\r\n\r\n")
            #expect(outcome(of: bytes + payload) == .complete(header, length: bytes.count), "\(line)")
        }
    }

    @Test("Every split point and byte-at-a-time give the same header; every strict prefix needs more")
    func everySplit() {
        for (line, header) in Self.valid {
            let bytes = ascii(line) + ascii("payload")
            let length = line.utf8.count
            let expected = Outcome.complete(header, length: length)
            for cut in 0...bytes.count {
                #expect(outcome(of: bytes, cuts: [cut]) == expected, "\(line) cut at \(cut)")
            }
            #expect(outcome(of: bytes, cuts: Array(1..<bytes.count)) == expected)
            for prefixLength in 0..<length {
                #expect(outcome(of: Array(bytes[..<prefixLength])) == .needMore, "\(line) prefix \(prefixLength)")
            }
        }
    }

    @Test("consumed counts the bytes of the last piece; headerLength the whole header; later feeds repeat the verdict")
    func consumedAndAfterwards() {
        let line = ascii("PROXY TCP4 10.0.0.1 10.0.0.2 1000 2000\r\n")
        var parser = ProxyHeaderParser()
        #expect(parser.feed(line[..<30]) == .needMore)
        #expect(parser.headerLength == 30)
        let header = ProxyHeader.proxy(.v1, source: endpoint("10.0.0.1:1000"), destination: endpoint("10.0.0.2:2000"))
        #expect(parser.feed(line[30...] + ascii("DATA")) == .complete(header, consumed: line.count - 30))
        #expect(parser.headerLength == line.count)
        #expect(parser.feed(ascii("more")) == .complete(header, consumed: 0))
        #expect(parser.headerLength == line.count)

        var refused = ProxyHeaderParser()
        #expect(refused.feed(ascii("PROXY TCP4 1.2.3.4  ")) == .invalid(.v1MalformedLine))
        #expect(refused.feed(ascii("5.6.7.8 1 2\r\n")) == .invalid(.v1MalformedLine))
    }

    static let malformed: [(String, ProxyHeaderError)] = [
        ("GET / HTTP/1.1\r\n", .notProxyProtocol),
        ("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", .notProxyProtocol),
        ("PROXY\r\n", .notProxyProtocol),
        ("PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n", .notProxyProtocol),
        ("\u{16}\u{03}\u{01}", .notProxyProtocol),  // a TLS ClientHello
        ("SSH-2.0-OpenSSH\r\n", .notProxyProtocol),
        ("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", .v1MalformedLine),
        ("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", .v1UnknownProtocol),
        ("PROXY TCP 1.2.3.4 5.6.7.8 1 2\r\n", .v1UnknownProtocol),
        ("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", .v1UnknownProtocol),
        ("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", .v1UnknownProtocol),
        ("PROXY TCP44 1.2.3.4 5.6.7.8 1 2\r\n", .v1UnknownProtocol),
        ("PROXY TCP4\t1.2.3.4 5.6.7.8 1 2\r\n", .v1UnknownProtocol),
        ("PROXY UNKNOWNX\r\n", .v1UnknownProtocol),
        ("PROXY UNKNOW\r\n", .v1UnknownProtocol),
        ("PROXY TCP4\r\n", .v1MalformedLine),
        ("PROXY TCP4 \r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n", .v1MalformedLine),
        ("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8  1 2\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", .v1MalformedLine),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 02\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1a 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 0x1 2\r\n", .v1InvalidPort),
        ("PROXY TCP4 999.1.1.1 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 256.1.1.1 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1.2.3.4 5.6.7.256 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 .1.2.3 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 ::1 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1.2.3.4 ::ffff:5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 localhost 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP4 1.2.3.4\u{0} 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 ::1 5.6.7.8 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 1::2::3 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 ::: ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 12345:: ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 :1:: ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 1: ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 1:2:3:4:5:6:7:8:: ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 ::ffff:1.2.3.4.5 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 ::ffff:1.2.3 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 ::ffff:999.2.3.4 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 [::1] ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 g:: ::1 1 2\r\n", .v1InvalidAddress),
        ("PROXY TCP6 ::1 ::1 1 2\n", .v1BadLineEnding),
        ("PROXY TCP6 ::1 ::1 1 2\r\r\n", .v1BadLineEnding),
        ("PROXY TCP6 ::1 ::1 1 2\rX", .v1BadLineEnding),
        ("PROXY UNKNOWN\n", .v1BadLineEnding),
        ("PROXY UNKNOWN\rX\n", .v1BadLineEnding),
        ("PROXY UNKNOWN foo\nbar\r\n", .v1BadLineEnding),
        ("PROXY UNKNOWN foo\r\r\n", .v1BadLineEnding),
        ("PROXY TCP4 1.2.3.4\n5.6.7.8 1 2\r\n", .v1MalformedLine),
        ("PROXY UNKNOWN " + String(repeating: "x", count: 92) + "\r\n", .v1LineTooLong),  // 108 bytes
        ("PROXY UNKNOWN " + String(repeating: "x", count: 94), .v1LineTooLong),  // 108 bytes, no CRLF at all
        ("PROXY UNKNOWN " + String(repeating: "x", count: 200), .v1LineTooLong),
    ]

    @Test("Malformed lines are refused with their reason, whole and byte by byte")
    func malformedLines() {
        for (line, error) in Self.malformed {
            let bytes = ascii(line)
            let expected = Outcome.invalid(error)
            #expect(outcome(of: bytes) == expected, "\(line.debugDescription)")
            #expect(outcome(of: bytes, cuts: Array(0..<bytes.count)) == expected, "\(line.debugDescription)")
        }
    }

    @Test("The 107-byte limit: 107 bytes with CRLF pass; 105 without CR need more; a 106th byte that is not CR fails")
    func lengthLimit() {
        let longest = ascii("PROXY UNKNOWN " + String(repeating: "x", count: 91) + "\r\n")
        #expect(longest.count == 107)
        #expect(outcome(of: longest) == .complete(.unknown(.v1), length: 107))
        // 105 bytes without CR: the CR may still come as byte 106 and the LF as byte 107.
        #expect(outcome(of: Array(longest[..<105])) == .needMore)
        // A 106th byte that is not CR makes the line longer than 107 bytes: refused before byte 108 arrives.
        #expect(outcome(of: Array(longest[..<105]) + ascii("x")) == .invalid(.v1LineTooLong))
    }

    @Test("TCP6 accepts every address the FulcrumNet parser accepts, and only those (random literals)")
    func agreesWithIPAddressParser() {
        var generator = SeededGenerator(seed: 0x1E76_0001)
        let alphabet = ascii("0123456789abcdefABCDEF:.::::..g")
        for iteration in 0..<30_000 {
            var literal: [UInt8]
            if iteration % 2 == 0 {
                let length = Int.random(in: 0...45, using: &generator)
                literal = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            } else {
                // Mutate a valid literal so that near-misses are common.
                let address = Self.randomIPv6(using: &generator)
                literal = ascii(address.description)
                for _ in 0..<Int.random(in: 0...2, using: &generator) {
                    let position = Int.random(in: 0...literal.count, using: &generator)
                    switch UInt8.random(in: 0...2, using: &generator) {
                    case 0: literal.insert(alphabet.randomElement(using: &generator)!, at: position)
                    case 1: if position < literal.count { literal.remove(at: position) }
                    default:
                        if position < literal.count { literal[position] = alphabet.randomElement(using: &generator)! }
                    }
                }
            }
            let text = String(decoding: literal, as: UTF8.self)
            let reference = IPAddress(text).flatMap { $0.isIPv4 ? nil : $0 }
            let line = ascii("PROXY TCP6 ") + literal + ascii(" ::1 1 2\r\n")
            let expected: Outcome =
                if let reference {
                    .complete(
                        .proxy(.v1, source: IPEndpoint(address: reference, port: 1), destination: endpoint("[::1]:2")),
                        length: line.count
                    )
                } else if literal.isEmpty {
                    .invalid(.v1MalformedLine)
                } else {
                    .invalid(.v1InvalidAddress)
                }
            #expect(outcome(of: line) == expected, "\(text)")
        }
    }

    static func randomIPv6(using generator: inout SeededGenerator) -> IPAddress {
        var halves: [UInt64] = [0, 0]
        for index in 0..<8 {
            let group: UInt64 = Bool.random(using: &generator) ? 0 : UInt64.random(in: 0...0xFFFF, using: &generator)
            halves[index / 4] = halves[index / 4] << 16 | group
        }
        if UInt8.random(in: 0...4, using: &generator) == 0 {
            return .v6(high: 0, low: 0xFFFF_0000_0000 | halves[1] & 0xFFFF_FFFF)
        }
        return .v6(high: halves[0], low: halves[1])
    }
}
