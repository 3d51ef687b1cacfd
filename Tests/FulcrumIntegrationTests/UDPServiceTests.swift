import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// UDP services through a real `fulcrum run` (SPEC §2, issue 5).
@Suite("UDP services end to end")
struct UDPServiceTests {
    static let localhost = IPAddress.v4(0x7F00_0001)

    @Test("datagrams and replies cross; a flow sticks to its backend; one access record per session")
    func echoAndSessions() throws {
        let first = try UDPEchoServer(name: "1")
        let second = try UDPEchoServer(name: "2")
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let listener = IPEndpoint(address: Self.localhost, port: port)
        let path = try folder.write("udp.yaml", """
            shutdown_grace: 1s
            services:
              dns:
                protocol: udp
                listen: "\(listener)"
                idle_timeout: 3s
                backends:
                  - address: "\(first.endpoint)"
                  - address: "\(second.endpoint)"
            """)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        var seen = Set<String>()
        for _ in 0..<4 {
            let client = try UDPTestSocket()
            var answers = Set<String>()
            for index in 0..<5 {
                try client.send("q\(index)", to: listener)
                let (reply, from) = try client.receive()
                #expect(from == listener)
                answers.insert(String(String(decoding: reply, as: UTF8.self).prefix(1)))
            }
            #expect(answers.count == 1)
            seen.formUnion(answers)
        }
        #expect(seen == ["1", "2"])
        // Sessions end after idle_timeout: one record each, transport udp, with bytes both ways.
        #expect(eventually(timeout: .seconds(10)) { fulcrum.accessRecords(ending: "idle_timeout").count == 4 })
        let record = fulcrum.accessRecords(ending: "idle_timeout").first
        #expect(record?["protocol"] as? String == "udp")
        #expect(record?["bytes_in"] as? Int == 10)
        #expect(record?["bytes_out"] as? Int == 20)
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("UDP health checks: a backend answering the wrong reply, or with ICMP unreachable, is marked down")
    func healthChecks() throws {
        let good = try UDPEchoServer(name: "good")
        let wrong = try UDPEchoServer(name: "wrong")
        // A port nothing binds meanwhile (not an ephemeral one a closed socket gives back to the kernel).
        let closedEndpoint = IPEndpoint(address: Self.localhost, port: freeLoopbackPort())
        let folder = try TemporaryFolder()
        let listener = IPEndpoint(address: Self.localhost, port: freeLoopbackPort())
        let path = try folder.write("udp.yaml", """
            shutdown_grace: 1s
            services:
              game:
                protocol: udp
                listen: "\(listener)"
                health_check:
                  interval: 200ms
                  timeout: 2s
                  rise: 2
                  fall: 2
                  send: "ping"
                  expect: "good:ping"
                backends:
                  - address: "\(good.endpoint)"
                  - address: "\(wrong.endpoint)"
                  - address: "\(closedEndpoint)"
            """)
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        #expect(fulcrum.waitForOutput("\"backend\":\"\(wrong.endpoint)\"", timeout: .seconds(5)))
        #expect(eventually(timeout: .seconds(10)) {
            let lines = fulcrum.stdout.split(separator: "\n").filter { $0.contains("backend health changed") }
            return lines.contains { $0.contains("\(wrong.endpoint)") && $0.contains("\"health\":\"down\"") }
                && lines.contains { $0.contains("\(closedEndpoint)") && $0.contains("\"health\":\"down\"") }
        })
        // Every new flow now goes to the only healthy backend.
        for _ in 0..<4 {
            let client = try UDPTestSocket()
            try client.send("hello", to: listener)
            #expect(try client.receiveText() == "good:hello")
        }
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }
}
