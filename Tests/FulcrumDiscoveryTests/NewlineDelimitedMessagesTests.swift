import NIOCore
import Testing

@testable import FulcrumDiscovery

@Suite struct NewlineDelimitedMessagesTests {
    private func text(_ messages: [[UInt8]]) -> [String] { messages.map { String(decoding: $0, as: UTF8.self) } }

    @Test func messagesAreCutAtNewlinesWhateverTheChunks() throws {
        var messages = NewlineDelimitedMessages()
        #expect(try messages.append(ByteBuffer(string: "{\"a\"")).isEmpty)
        #expect(try self.text(messages.append(ByteBuffer(string: ":1}\n{\"b\":2}\n{"))) == [#"{"a":1}"#, #"{"b":2}"#])
        #expect(try self.text(messages.append(ByteBuffer(string: "}\r\n\n"))) == ["{}\r"])
    }

    @Test func aMessageWithoutEndBeyondTheLimitIsRefused() throws {
        var messages = NewlineDelimitedMessages(maximumLength: 8)
        #expect(try self.text(messages.append(ByteBuffer(string: "12345678\n1234"))) == ["12345678"])
        #expect(try messages.append(ByteBuffer(string: "5678")).isEmpty)
        #expect(throws: NewlineDelimitedMessages.MessageTooLong.self) { try messages.append(ByteBuffer(string: "9")) }
    }
}
