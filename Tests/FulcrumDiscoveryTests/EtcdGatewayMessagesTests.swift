import Foundation
import Testing

@testable import FulcrumDiscovery

/// Answers as etcd 3.4's gateway writes them (copied from real answers), decoded.
@Suite struct EtcdGatewayMessagesTests {
    private func decode<Message: Decodable>(_ type: Message.Type, _ json: String) throws -> Message {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    @Test func aRangeAnswerGivesKeysValuesAndTheRevision() throws {
        let answer = try self.decode(
            EtcdRangeResponse.self,
            #"""
            {"header":{"cluster_id":"15118495548433857066","member_id":"13668033151171901709","revision":"3",\#
            "raft_term":"2"},"kvs":[{"key":"L2YvYQ==","create_revision":"2","mod_revision":"2","version":"1",\#
            "value":"MTI3LjAuMC4xOjkwMDE="}],"count":"1"}
            """#
        )
        #expect(answer.header.revision == 3)
        #expect(answer.count == 1)
        #expect(answer.kvs.map { String(decoding: $0.key, as: UTF8.self) } == ["/f/a"])
        #expect(answer.kvs.map { String(decoding: $0.value, as: UTF8.self) } == ["127.0.0.1:9001"])
    }

    @Test func anEmptyRangeHasNoKvs() throws {
        let answer = try self.decode(EtcdRangeResponse.self, #"{"header":{"revision":"7"}}"#)
        #expect(answer.kvs.isEmpty)
        #expect(answer.count == 0)
        #expect(answer.header.revision == 7)
    }

    @Test func watchAnswers() throws {
        let created = try self.decode(EtcdWatchMessage.self, #"{"result":{"header":{"revision":"2"},"created":true}}"#)
        #expect(created.result?.created == true)
        #expect(created.result?.events.isEmpty == true)

        let put = try self.decode(
            EtcdWatchMessage.self,
            #"""
            {"result":{"header":{"revision":"3"},"events":[{"kv":{"key":"L2YvYg==","mod_revision":"3",\#
            "value":"eA=="}}]}}
            """#
        )
        let putEvent = try #require(put.result?.events.first)
        #expect(putEvent.kind == .put)
        #expect(putEvent.key == Array("/f/b".utf8))
        #expect(putEvent.value == Array("x".utf8))

        let delete = try self.decode(
            EtcdWatchMessage.self,
            #"""
            {"result":{"header":{"revision":"4"},"events":[{"type":"DELETE","kv":{"key":"L2YvYQ==",\#
            "mod_revision":"4"}}]}}
            """#
        )
        #expect(delete.result?.events.map(\.kind) == [.delete])
        #expect(delete.result?.events.first?.value == [])

        let compacted = try self.decode(
            EtcdWatchMessage.self,
            #"{"result":{"header":{"raft_term":"2"},"canceled":true,"compact_revision":"3"}}"#
        )
        #expect(compacted.result?.canceled == true)
        #expect(compacted.result?.compactRevision == 3)
        #expect(compacted.result?.header?.revision == 0)

        let error = try self.decode(
            EtcdWatchMessage.self,
            #"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader"}}"#
        )
        #expect(error.error?.message == "etcdserver: no leader")
        #expect(error.result == nil)
    }

    @Test func requestsAreBase64WithInt64sAsText() throws {
        let range = EtcdKeyRange(prefix: "/f/")
        let watch = String(decoding: try JSONEncoder().encode(EtcdWatchRequest(range, startRevision: 4)), as: UTF8.self)
        #expect(watch.contains(#""start_revision":"4""#))
        #expect(watch.contains(#""key":"L2Yv""#))
        #expect(watch.contains(#""range_end":"L2Yw""#))
        let count = String(decoding: try JSONEncoder().encode(EtcdRangeRequest(range, countOnly: true)), as: UTF8.self)
        #expect(count.contains(#""count_only":true"#))
        let read = String(decoding: try JSONEncoder().encode(EtcdRangeRequest(range)), as: UTF8.self)
        #expect(!read.contains("count_only"))
    }
}
