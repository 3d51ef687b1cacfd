import Foundation
import Logging
import Testing

@testable import FulcrumControl

@Suite("Log lines")
struct LogLineTests {
    static func json(_ metadata: Logger.Metadata) throws -> [String: Any] {
        var line = LogLine(format: .json, time: "T", level: .notice, logger: "fulcrum", message: "m")
        for key in metadata.keys.sorted() { line.append(key, metadata: metadata[key]!) }
        let text = line.finish()
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test("metadata logged as text stays a JSON string, whatever it looks like",
          arguments: ["8080", "1e3", "true", "null", "-1", "10.0.0.1"])
    func textStaysText(value: String) throws {
        let object = try Self.json(["service": "\(value)", "backend": .string(value)])
        #expect(object["service"] as? String == value)
        #expect(object["backend"] as? String == value)
    }

    @Test("an integer logged as .stringConvertible is a JSON number; another value is its description")
    func typedValues() throws {
        let object = try Self.json([
            "weight": .stringConvertible(3), "threads": .stringConvertible(UInt64.max),
            "level_name": .stringConvertible(Logger.Level.debug),
        ])
        #expect(object["weight"] as? Int == 3)
        #expect((object["threads"] as? NSNumber)?.uint64Value == UInt64.max)
        #expect(object["level_name"] as? String == "debug")
    }

    @Test("arrays and dictionaries are nested JSON; a field named like an envelope key is left out")
    func nestedAndReserved() throws {
        let object = try Self.json([
            "list": ["1", .stringConvertible(2)], "map": ["b": "x", "a": "7"], "message": "shadow", "level": "x",
        ])
        let list = try #require(object["list"] as? [Any])
        #expect(list.count == 2)
        #expect(list.first as? String == "1")
        #expect(list.last as? Int == 2)
        #expect(object["map"] as? [String: String] == ["a": "7", "b": "x"])
        #expect(object["message"] as? String == "m")
        #expect(object["level"] as? String == "notice")
    }

    @Test("text: the envelope, then key=value words; values that would not read back as one word are quoted")
    func text() {
        var line = LogLine(format: .text, time: "T", level: .warning, logger: "fulcrum", message: "hello world")
        line.append("a", string: "plain")
        line.append("b", string: "")
        line.append("c", string: "two words")
        line.append("d", string: "k=v")
        line.append("e", metadata: .stringConvertible(42))
        line.append("message", string: "kept in text")
        #expect(line.finish()
            == #"T warning fulcrum: hello world a=plain b="" c="two words" d="k=v" e=42 message="kept in text""#)
    }

    @Test("JSON: control characters and quotes in the message and values are escaped")
    func escaping() throws {
        var line = LogLine(format: .json, time: "T", level: .info, logger: "l", message: "a \"b\"\n")
        line.append("k", string: "\u{1}\\")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.finish().utf8)) as? [String: Any])
        #expect(object["message"] as? String == "a \"b\"\n")
        #expect(object["k"] as? String == "\u{1}\\")
    }
}
