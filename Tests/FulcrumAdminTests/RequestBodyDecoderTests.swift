import FulcrumControl
import Testing

@testable import FulcrumAdmin

@Suite("Admin request bodies")
struct RequestBodyDecoderTests {
    static func decodeNew(_ text: String) throws(AdminRequestError) -> NewBackendBody {
        try RequestBodyDecoder.decode(NewBackendBody.self, from: Array(text.utf8))
    }

    static func decodeChange(_ text: String) throws(AdminRequestError) -> BackendChangeBody {
        try RequestBodyDecoder.decode(BackendChangeBody.self, from: Array(text.utf8))
    }

    /// The message a body is refused with; `nil` if it is accepted.
    static func refusal(_ text: String) -> String? {
        do {
            _ = try Self.decodeNew(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("fields are read; absent optional fields are nil; whitespace around the document is fine")
    func accepted() throws {
        let full = try Self.decodeNew(#" {"weight": 3, "address": "10.0.0.5:80"} "#)
        #expect(full.address == "10.0.0.5:80")
        #expect(full.weight == 3)
        #expect(try Self.decodeNew(#"{"address": "[::1]:80"}"#).weight == nil)
        let change = try Self.decodeChange(#"{"state": "draining"}"#)
        #expect(change.state == .draining)
        #expect(change.weight == nil)
        #expect(try Self.decodeChange(#"{"weight": 0, "state": "enabled"}"#).weight == 0)
        #expect(try Self.decodeChange("{}").weight == nil)
    }

    @Test("a weight that is not an integer names the field and what was found", arguments: [
        (#"1.5"#, "a number with a fraction"), (#"-0.25"#, "a number with a fraction"), ("true", "a boolean"),
        (#""3""#, "a string"), ("null", "null"), ("[1]", "an array"), (#"{"n": 1}"#, "an object"),
        ("99999999999999999999", "a number out of range"), ("-99999999999999999999", "a number out of range"),
        ("1e300", "a number out of range"),
    ])
    func wrongWeight(value: String, found: String) {
        #expect(Self.refusal(#"{"address": "10.0.0.5:80", "weight": \#(value)}"#)
            == "'weight' must be an integer, found \(found)")
    }

    @Test("the largest and smallest Int are integers (the controller checks the range)")
    func integerBounds() throws {
        #expect(try Self.decodeNew(#"{"address": "a", "weight": 9223372036854775807}"#).weight == Int.max)
        #expect(try Self.decodeNew(#"{"address": "a", "weight": -9223372036854775808}"#).weight == Int.min)
    }

    @Test("address: missing, or not a string")
    func address() {
        #expect(Self.refusal(#"{"weight": 2}"#) == "missing field 'address'")
        #expect(Self.refusal(#"{"address": 5}"#) == "'address' must be a string, found a number")
        #expect(Self.refusal(#"{"address": null}"#) == "'address' must be a string, found null")
    }

    @Test("state: a string, and one of the two states")
    func state() {
        func refusal(_ text: String) -> String? {
            do {
                _ = try Self.decodeChange(text)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(refusal(#"{"state": "paused"}"#) == #"'state' must be "enabled" or "draining", found 'paused'"#)
        #expect(refusal(#"{"state": true}"#) == #"'state' must be "enabled" or "draining", found a boolean"#)
        #expect(refusal(#"{"weight": 1.5}"#) == "'weight' must be an integer, found a number with a fraction")
        #expect(refusal(#"{"weight": 2, "address": "a"}"#) == "unknown field 'address' (expected 'weight', 'state')")
    }

    @Test("an unknown field is refused by name, with the fields that are allowed")
    func unknownField() {
        #expect(Self.refusal(#"{"address": "a", "wieght": 2}"#)
            == "unknown field 'wieght' (expected 'address', 'weight')")
        #expect(Self.refusal(#"{"b": 1, "address": "a", "a": 2}"#)
            == "unknown fields 'a', 'b' (expected 'address', 'weight')")
    }

    @Test("an empty body, or a document that is not an object")
    func notAnObject() {
        #expect(Self.refusal("") == "expected a JSON object body with 'address', 'weight'")
        #expect(Self.refusal("[]") == "expected a JSON object, found an array")
        #expect(Self.refusal(#""text""#) == "expected a JSON object, found a string")
        #expect(Self.refusal("12") == "expected a JSON object, found a number")
        #expect(Self.refusal("null") == "expected a JSON object, found null")
    }

    @Test("malformed JSON is refused as such, saying what is wrong", arguments: [
        "{", "}", "{\"address\" 1}", "{\"address\": }", "{address: 1}", "01", "tru", "NaN", "\"unterminated",
        "{\"address\": \"a\"} x", "{\"address\": \"bad \\x escape\"}", "{\"address\": \"tab\there\"}",
        "{\"address\": \"\\ud800\"}", "{\"address\": \"a\", \"weight\": 01}", "{\"address\": \"a\", \"weight\": 1e400}",
        String(repeating: "[", count: 10_000),
    ])
    func malformed(text: String) throws {
        let message = try #require(Self.refusal(text))
        #expect(message.hasPrefix("malformed JSON: "))
        #expect(message.count > "malformed JSON: ".count)
    }

    @Test("malformed JSON says where")
    func malformedPosition() {
        #expect(Self.refusal(#"{"address": "a"} x"#) == "malformed JSON: Invalid value around character 17.")
        #expect(Self.refusal(#"{"address": "a", "weight": 01}"#)
            == "malformed JSON: Number with leading zero around character 28.")
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        #expect(throws: AdminRequestError.self) {
            let bytes = Array(#"{"address": ""#.utf8) + [0xC3, 0x28, 0x22, 0x7D]
            return try RequestBodyDecoder.decode(NewBackendBody.self, from: bytes)
        }
    }
}
