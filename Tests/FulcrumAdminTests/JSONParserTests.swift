import Testing

@testable import FulcrumAdmin

@Suite("JSON parser")
struct JSONParserTests {
    @Test("objects keep their fields and the exact kind of each value")
    func values() throws {
        let text = #" {"a": 1, "b": -2.5e1, "c": true, "d": null, "e": [1, "x"], "f": {}} "#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value["a"] == .int(1))
        #expect(value["b"] == .double(-25))
        #expect(value["c"] == .bool(true))
        #expect(value["d"] == .null)
        #expect(value["e"] == .array([.int(1), .string("x")]))
        #expect(value["f"] == .object([]))
        #expect(value["missing"] == nil)
    }

    @Test("strings: escapes, surrogate pairs and UTF-8 text")
    func strings() throws {
        let value = try JSONParser.parse(Array(#"["a\"b\\c\/\n\t", "\u00e9\ud83d\ude00", "héllo"]"#.utf8))
        #expect(value == .array([.string("a\"b\\c/\n\t"), .string("é😀"), .string("héllo")]))
    }

    @Test("malformed documents are refused", arguments: [
        "", "{", "}", "{\"a\" 1}", "{\"a\": }", "{a: 1}", "[1,]", "{\"a\": 1,}", "01", "1.", ".5", "-", "+1", "1e",
        "tru", "nul", "\"unterminated", "\"bad \\x escape\"", "\"\\ud800\"", "\"\\u12g4\"", "{\"a\": 1} x",
        "{\"a\": 1, \"a\": 2}", "\"tab\there\"", String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ])
    func malformed(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func invalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("written JSON reads back the same, with keys in order and strings escaped")
    func roundTrip() throws {
        let tricky = "quote \" backslash \\ newline \n control \u{01} <tag>"
        let value = JSONValue.object([
            ("z", .string(tricky)), ("a", .array([.int(-3), .bool(false), .null])), ("n", .double(0.25)),
            ("w", .double(2)),
        ])
        let text = value.text
        #expect(text.hasPrefix(#"{"z":"#))
        #expect(text.contains(#""w":2"#))
        #expect(text.contains(#"\u003ctag>"#))
        #expect(try JSONParser.parse(Array(text.utf8)) == .object([
            ("z", .string(tricky)), ("a", .array([.int(-3), .bool(false), .null])), ("n", .double(0.25)),
            ("w", .int(2)),
        ]))
    }
}
