import FulcrumDNS
import FulcrumNet
import Testing

@testable import FulcrumDiscovery

@Suite struct DNSReplyTests {
    static let query = DNSQuery(id: 0x1234, name: try! DNSName("web.test"), type: .a)

    static func response(
        id: UInt16 = 0x1234,
        isResponse: Bool = true,
        code: DNSResponseCode = .noError,
        questions: [DNSQuestion] = [DNSReplyTests.query.question],
        answers: [DNSResourceRecord] = []
    ) -> [UInt8] {
        let header = DNSHeader(id: id, isResponse: isResponse, responseCodeLowBits: UInt8(code.rawValue))
        return DNSMessage(header: header, questions: questions, answers: answers).encoded()
    }

    @Test func theAnswerToTheQuery() {
        let record = DNSResourceRecord(name: Self.query.question.name, ttl: 9, data: .a(.v4(0x0A00_0001)))
        let reply = DNSReply(classifying: Self.response(answers: [record]), for: Self.query)
        let records = DNSResolvedRecords(addresses: [.v4(0x0A00_0001)], ttl: 9, canonicalName: Self.query.question.name)
        #expect(reply == .answer(.records(records)))
    }

    @Test func errorCodesAreAnswersOfTheServer() {
        #expect(
            DNSReply(classifying: Self.response(code: .serverFailure), for: Self.query)
                == .errorResponse(.serverFailure)
        )
        // Servers that predate EDNS may drop the question from their FORMERR.
        #expect(
            DNSReply(classifying: Self.response(code: .formatError, questions: []), for: Self.query)
                == .errorResponse(.formatError)
        )
    }

    @Test func whatDoesNotAnswerTheQueryIsUnrelated() throws {
        let other = DNSQuestion(name: try DNSName("other.test"), type: .a)
        let cases: [([UInt8], String)] = [
            (Self.response(id: 0x4321), DNSResponseError.idMismatch.description),
            (Self.response(isResponse: false), DNSResponseError.notAResponse.description),
            (Self.response(questions: [other]), DNSResponseError.questionMismatch.description),
            (Array("garbage".utf8), DNSMessageError.headerTooShort.description),
        ]
        for (bytes, reason) in cases {
            #expect(DNSReply(classifying: bytes, for: Self.query) == .unrelated(reason: reason))
        }
    }

    @Test func aLoopingAliasChainIsUnusable() throws {
        let name = Self.query.question.name
        let loop = DNSResourceRecord(name: name, ttl: 9, data: .cname(name))
        let reply = DNSReply(classifying: Self.response(answers: [loop]), for: Self.query)
        #expect(reply == .unusable(reason: DNSResponseError.aliasChainTooLong.description))
    }
}
