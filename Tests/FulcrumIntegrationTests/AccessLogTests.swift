import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// The access log as the real binary writes it (`--log-format json`).
@Suite("access log")
struct AccessLogTests {
    static let localhost = IPAddress.v4(0x7F00_0001)

    @Test("service names that look like JSON numbers or null are written as strings; counts as numbers")
    func numericLookingServiceNames() throws {
        let backend = try LoopbackServer { socket in try? socket.send("1"); socket.close() }
        let names = ["8080", "null"]
        let ports = names.map { _ in freeLoopbackPort() }
        var yaml = "services:\n"
        for (name, port) in zip(names, ports) {
            yaml += "  \"\(name)\":\n    listen: \"127.0.0.1:\(port)\"\n    backends:\n"
            yaml += "      - address: \"\(backend.endpoint)\"\n"
        }
        let folder = try TemporaryFolder()
        let path = try folder.write("f.yaml", yaml)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        for port in ports {
            let client = try TestSocket.connect(to: IPEndpoint(address: Self.localhost, port: port))
            #expect(try client.receiveToEnd() == Array("1".utf8))
        }
        #expect(eventually { fulcrum.accessRecords.count == names.count })
        let records = fulcrum.accessRecords
        #expect(Set(records.compactMap { $0["service"] as? String }) == Set(names))
        for record in records {
            #expect(record["service"] is String)
            #expect(record["bytes_out"] as? Int == 1)
            #expect(record["backend"] as? String == backend.endpoint.description)
        }
        // An ordinary log line keeps a number it was given as one.
        let started = fulcrum.logRecords(messageStartingWith: "fulcrum started").first
        #expect((started?["engine_threads"] as? Int ?? 0) >= 1)
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }
}
