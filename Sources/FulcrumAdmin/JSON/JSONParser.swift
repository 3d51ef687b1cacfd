/// A strict JSON parser (RFC 8259) for request bodies. Small on purpose: it keeps booleans, integers and fractions
/// apart (so `"weight": true` or `"weight": 1.5` is refused, not coerced), and bounds nesting depth.
struct JSONParser {
    struct Failure: Error, Equatable {
        var message: String
    }

    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    private static let maximumDepth = 32

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a whole document (one value with optional surrounding whitespace).
    static func parse(_ bytes: [UInt8]) throws(Failure) -> JSONValue {
        var parser = JSONParser(bytes)
        parser.skipWhitespace()
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    private func failure(_ message: String) -> Failure {
        Failure(message: "\(message) at byte \(self.position + 1)")
    }

    private var current: UInt8? { self.position < self.bytes.count ? self.bytes[self.position] : nil }

    private mutating func skipWhitespace() {
        while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            self.position += 1
        }
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard let byte = self.current else { throw self.failure("unexpected end of JSON") }
        switch byte {
        case UInt8(ascii: "{"): return try self.object()
        case UInt8(ascii: "["): return try self.array()
        case UInt8(ascii: "\""): return .string(try self.string())
        case UInt8(ascii: "t"): try self.literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try self.literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try self.literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.number()
        default: throw self.failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        guard self.position + expected.count <= self.bytes.count,
            self.bytes[self.position..<self.position + expected.count].elementsEqual(expected)
        else { throw self.failure("invalid literal") }
        self.position += expected.count
    }

    private mutating func enter() throws(Failure) {
        self.depth += 1
        if self.depth > Self.maximumDepth { throw self.failure("JSON nested too deeply") }
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try self.enter()
        defer { self.depth -= 1 }
        self.position += 1
        var members: [(String, JSONValue)] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "}") {
            self.position += 1
            return .object(members)
        }
        while true {
            self.skipWhitespace()
            guard self.current == UInt8(ascii: "\"") else { throw self.failure("expected a field name") }
            let key = try self.string()
            self.skipWhitespace()
            guard self.current == UInt8(ascii: ":") else { throw self.failure("expected ':'") }
            self.position += 1
            self.skipWhitespace()
            let value = try self.value()
            if members.contains(where: { $0.0 == key }) { throw self.failure("duplicate field '\(key)'") }
            members.append((key, value))
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.position += 1
            case UInt8(ascii: "}"):
                self.position += 1
                return .object(members)
            default: throw self.failure("expected ',' or '}'")
            }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try self.enter()
        defer { self.depth -= 1 }
        self.position += 1
        var values: [JSONValue] = []
        self.skipWhitespace()
        if self.current == UInt8(ascii: "]") {
            self.position += 1
            return .array(values)
        }
        while true {
            self.skipWhitespace()
            values.append(try self.value())
            self.skipWhitespace()
            switch self.current {
            case UInt8(ascii: ","): self.position += 1
            case UInt8(ascii: "]"):
                self.position += 1
                return .array(values)
            default: throw self.failure("expected ',' or ']'")
            }
        }
    }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = self.position
        var isInteger = true
        if self.current == UInt8(ascii: "-") { self.position += 1 }
        guard let first = self.current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw self.failure("invalid number")
        }
        if first == UInt8(ascii: "0") {
            self.position += 1
        } else {
            self.skipDigits()
        }
        if self.current == UInt8(ascii: ".") {
            isInteger = false
            self.position += 1
            guard self.skipDigits() > 0 else { throw self.failure("invalid number") }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            isInteger = false
            self.position += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.position += 1 }
            guard self.skipDigits() > 0 else { throw self.failure("invalid number") }
        }
        let text = String(decoding: self.bytes[start..<self.position], as: UTF8.self)
        if isInteger, let value = Int(text) { return .int(value) }
        guard let value = Double(text), value.isFinite else { throw self.failure("number out of range") }
        return .double(value)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = self.position
        while let byte = self.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { self.position += 1 }
        return self.position - start
    }

    private mutating func string() throws(Failure) -> String {
        self.position += 1
        var scalars = String.UnicodeScalarView()
        var run = self.position
        func flush(_ parser: JSONParser, upTo end: Int) -> String? {
            String(validating: parser.bytes[run..<end], as: UTF8.self)
        }
        while true {
            guard let byte = self.current else { throw self.failure("unterminated string") }
            if byte == UInt8(ascii: "\"") {
                guard let tail = flush(self, upTo: self.position) else { throw self.failure("invalid UTF-8") }
                self.position += 1
                scalars.append(contentsOf: tail.unicodeScalars)
                return String(scalars)
            }
            if byte < 0x20 { throw self.failure("control character in string") }
            if byte != UInt8(ascii: "\\") {
                self.position += 1
                continue
            }
            guard let head = flush(self, upTo: self.position) else { throw self.failure("invalid UTF-8") }
            scalars.append(contentsOf: head.unicodeScalars)
            self.position += 1
            guard let escape = self.current else { throw self.failure("unterminated string") }
            self.position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try self.hexQuad()
                if (0xD800..<0xDC00).contains(code) {
                    guard self.current == UInt8(ascii: "\\") else { throw self.failure("unpaired surrogate") }
                    self.position += 1
                    guard self.current == UInt8(ascii: "u") else { throw self.failure("unpaired surrogate") }
                    self.position += 1
                    let low = try self.hexQuad()
                    guard (0xDC00..<0xE000).contains(low) else { throw self.failure("unpaired surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw self.failure("invalid \\u escape") }
                scalars.append(scalar)
            default:
                throw self.failure("invalid escape")
            }
            run = self.position
        }
    }

    private mutating func hexQuad() throws(Failure) -> UInt32 {
        guard self.position + 4 <= self.bytes.count else { throw self.failure("invalid \\u escape") }
        var value: UInt32 = 0
        for byte in self.bytes[self.position..<self.position + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.failure("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        self.position += 4
        return value
    }
}
