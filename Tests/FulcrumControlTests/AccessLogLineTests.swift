import Foundation
import FulcrumEngine
import FulcrumNet
import Testing

@testable import FulcrumControl

@Suite("Access-log lines")
struct AccessLogLineTests {
    static func record(
        service: String = "web", backend: String? = "10.0.0.1:80", transport: Transport = .tcp
    ) -> AccessRecord {
        AccessRecord(
            service: service, transport: transport, client: IPEndpoint(address: .v4(0x7F00_0001), port: 40000),
            backend: backend, bytesIn: 12, bytesOut: 3_000_000_000, startedAtNanoseconds: 1_795_802_645_123_000_000,
            durationNanoseconds: 12_345_678, end: .rejected(.acl))
    }

    static func parse(_ line: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test("a service name that looks like a number, a boolean or null stays a JSON string",
          arguments: ["8080", "1e3", "true", "null", "-1", "0.5"])
    func numericLookingServiceNames(name: String) throws {
        let line = AccessLogLine.render(Self.record(service: name), format: .json, time: "2026-11-27T18:04:05.123Z")
        let object = try Self.parse(line)
        #expect(object["service"] is String)
        #expect(object["service"] as? String == name)
    }

    @Test("JSON: the envelope, the counts and the duration as numbers, every other field as a string")
    func jsonFields() throws {
        let line = AccessLogLine.render(Self.record(), format: .json, time: "2026-11-27T18:04:05.123Z")
        #expect(line.hasPrefix(#"{"time":"2026-11-27T18:04:05.123Z","level":"info","logger":"fulcrum.access","#
            + #""message":"connection closed","#))
        let object = try Self.parse(line)
        #expect(object.count == 13)
        #expect(object["backend"] as? String == "10.0.0.1:80")
        #expect(object["client"] as? String == "127.0.0.1:40000")
        #expect(object["end"] as? String == "rejected:acl")
        #expect(object["protocol"] as? String == "tcp")
        #expect(object["start"] as? String == "2026-11-27T18:04:05.123Z")
        #expect(object["bytes_in"] as? Int == 12)
        #expect(object["bytes_out"] as? Int == 3_000_000_000)
        #expect((object["duration_ms"] as? NSNumber)?.doubleValue == 12.345)
    }

    @Test("no backend reached: backend is \"-\"; a UDP session says so")
    func udpWithoutBackend() throws {
        let object = try Self.parse(
            AccessLogLine.render(Self.record(backend: nil, transport: .udp), format: .json, time: "t"))
        #expect(object["backend"] as? String == "-")
        #expect(object["protocol"] as? String == "udp")
        #expect(object["message"] as? String == "session closed")
    }

    @Test("text: the same fields, sorted, one key=value word each")
    func textLine() {
        let line = AccessLogLine.render(Self.record(service: "my web"), format: .text, time: "2026-11-27T18:04:05.123Z")
        #expect(line == "2026-11-27T18:04:05.123Z info fulcrum.access: connection closed backend=10.0.0.1:80 "
            + "bytes_in=12 bytes_out=3000000000 client=127.0.0.1:40000 duration_ms=12.345 end=rejected:acl "
            + "protocol=tcp service=\"my web\" start=2026-11-27T18:04:05.123Z")
    }
}
