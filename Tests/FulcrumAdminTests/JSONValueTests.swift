import Foundation
import Testing

@testable import FulcrumAdmin

@Suite("JSON responses")
struct JSONValueTests {
    @Test("written JSON reads back the same, with keys in order and strings escaped")
    func roundTrip() throws {
        let tricky = "quote \" backslash \\ newline \n control \u{01} <tag>"
        let value = JSONValue.object([
            ("z", .string(tricky)), ("a", .array([.int(-3), .bool(false), .null])), ("n", .double(0.25)),
            ("w", .double(2)), ("inf", .double(.infinity)),
        ])
        let text = value.text
        #expect(text.hasPrefix(#"{"z":"#))
        #expect(text.hasSuffix("}\n"))
        #expect(text.contains(#""w":2,"#))
        #expect(text.contains(#""inf":null"#))
        #expect(text.contains(#"\u003ctag>"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["z"] as? String == tricky)
        let array = try #require(object["a"] as? [Any])
        #expect(array.count == 3)
        #expect(array[0] as? Int == -3)
        #expect(array[1] as? Bool == false)
        #expect(array[2] is NSNull)
        #expect(object["n"] as? Double == 0.25)
        #expect(object["w"] as? Int == 2)
    }
}
