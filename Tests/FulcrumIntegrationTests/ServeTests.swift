import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// `fulcrum run` as a user runs it: a real process, real backends, real clients on loopback.
@Suite("fulcrum run")
struct ServeTests {
    static let localhost = IPAddress.v4(0x7F00_0001)

    /// A config with one TCP service on a free port in front of `backends`.
    static func config(port: UInt16, backends: [IPEndpoint], extra: String = "", grace: String = "2s") -> String {
        var yaml = "shutdown_grace: \(grace)\nservices:\n  web:\n    listen: \"127.0.0.1:\(port)\"\n"
        yaml += extra
        yaml += "    backends:\n"
        for backend in backends { yaml += "      - address: \"\(backend)\"\n" }
        return yaml
    }

    @Test("round robin: sequential connections strictly alternate over two backends")
    func roundRobinAlternates() throws {
        let first = try LoopbackServer { socket in try? socket.send("1"); socket.close() }
        let second = try LoopbackServer { socket in try? socket.send("2"); socket.close() }
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [first.endpoint, second.endpoint]))
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--log-format", "json"])
        #expect(fulcrum.waitUntilStarted())
        var answers = ""
        for _ in 0..<8 {
            let client = try TestSocket.connect(to: IPEndpoint(address: Self.localhost, port: port))
            answers += String(decoding: try client.receiveToEnd(), as: UTF8.self)
        }
        #expect(answers == "12121212" || answers == "21212121")
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
        // One access-log record per connection, as JSON lines with the SPEC §6 fields.
        let records = fulcrum.stdout.split(separator: "\n").filter { $0.contains("\"logger\":\"fulcrum.access\"") }
        #expect(records.count == 8)
        let first_record = try JSONSerialization.jsonObject(with: Data(records[0].utf8)) as? [String: Any]
        #expect(first_record?["service"] as? String == "web")
        #expect(first_record?["end"] as? String == "closed")
        #expect(first_record?["bytes_out"] as? Int == 1)
        #expect(first_record?["client"] != nil && first_record?["duration_ms"] != nil && first_record?["backend"] != nil)
    }

    @Test("a listen address already in use: exit non-zero naming the address")
    func portInUse() throws {
        let blocker = try LoopbackServer()
        let folder = try TemporaryFolder()
        let path = try folder.write("f.yaml", Self.config(port: blocker.endpoint.port, backends: [blocker.endpoint]))
        let result = try FulcrumProcess.run(["run", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("127.0.0.1:\(blocker.endpoint.port)"))
        #expect(result.stderr.contains("in use"))
    }

    @Test("graceful shutdown: listeners close at once, an open connection finishes, then exit 0")
    func gracefulShutdown() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [backend.endpoint], grace: "60s"))
        let fulcrum = try FulcrumProcess(["run", "--config", path])
        #expect(fulcrum.waitUntilStarted())
        let listener = IPEndpoint(address: Self.localhost, port: port)
        let client = try TestSocket.connect(to: listener)
        try client.send("before")
        #expect(try client.receive(exactly: 6) == Array("before".utf8))
        let signalled = ContinuousClock.now
        fulcrum.signal(SIGTERM)
        // New clients are refused within 1 s (SPEC §7), not left hanging.
        #expect(eventually(timeout: .seconds(1)) { (try? TestSocket.connect(to: listener)) == nil })
        // The open connection still works both ways during the grace period.
        try client.send("during")
        #expect(try client.receive(exactly: 6) == Array("during".utf8))
        #expect(fulcrum.isRunning)
        client.close()
        // It exits when its last connection has ended, long before the 60 s grace (the bound is half of it: a
        // loaded machine cannot stretch an exit to that, a process that waited for the grace could not beat it).
        #expect(fulcrum.waitForExit(timeout: .seconds(30)) == 0)
        #expect(ContinuousClock.now - signalled < .seconds(30))
        #expect(!fulcrum.stdout.contains("still open"))
    }

    @Test("graceful shutdown: a connection still open when the grace ends is closed, exit 0 at about the grace")
    func shutdownGraceExpires() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [backend.endpoint], grace: "1500ms"))
        let fulcrum = try FulcrumProcess(["run", "--config", path])
        #expect(fulcrum.waitUntilStarted())
        let client = try TestSocket.connect(to: IPEndpoint(address: Self.localhost, port: port))
        try client.send("x")
        _ = try client.receive(exactly: 1)
        let signalled = ContinuousClock.now
        fulcrum.signal(SIGTERM)
        #expect(client.waitForClose(timeout: .seconds(20)))
        #expect(fulcrum.waitForExit(timeout: .seconds(20)) == 0)
        // Not before the grace (the signal is sent after `signalled`, so this bound holds however busy the machine
        // is); and it was the grace running out that closed the connection, as the log says.
        let elapsed = ContinuousClock.now - signalled
        #expect(elapsed >= .milliseconds(1500), "\(elapsed)")
        #expect(fulcrum.stdout.contains("closing 1 connection(s) still open"), "\(fulcrum.stdout)")
        #expect(fulcrum.accessRecords.contains { $0["end"] as? String == "shutdown" }, "\(fulcrum.accessRecords)")
    }

    @Test("a second SIGTERM during the grace period exits at once")
    func secondSignal() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [backend.endpoint], grace: "60s"))
        let fulcrum = try FulcrumProcess(["run", "--config", path])
        #expect(fulcrum.waitUntilStarted())
        let client = try TestSocket.connect(to: IPEndpoint(address: Self.localhost, port: port))
        try client.send("x")
        _ = try client.receive(exactly: 1)
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForOutput("listeners closed"))
        let second = ContinuousClock.now
        fulcrum.signal(SIGTERM)
        // At once: long before the 60 s grace (half of it bounds a loaded machine, see gracefulShutdown).
        #expect(fulcrum.waitForExit(timeout: .seconds(30)) == 0)
        #expect(ContinuousClock.now - second < .seconds(30))
        #expect(fulcrum.stdout.contains("again: closing every connection now"))
        #expect(client.waitForClose(timeout: .seconds(10)))
    }

    @Test("2,000 connections reset mid-transfer leak no descriptor and no memory")
    func resetsLeakNothing() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [backend.endpoint]))
        // Two engine threads, whatever the machine: the pipe bound below depends on it.
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--threads", "2"])
        #expect(fulcrum.waitUntilStarted())
        let listener = IPEndpoint(address: Self.localhost, port: port)
        let atRest = openDescriptorKinds(pid: fulcrum.pid).sockets
        // Warm up so that pools and tables reach their working size before the baseline is taken, and take it
        // once every warm-up connection is closed again (its sockets gone), not after a guessed pause.
        for _ in 0..<50 {
            let client = try TestSocket.connect(to: listener)
            try client.send(Array(repeating: 1, count: 100_000))
            client.reset()
        }
        #expect(eventually(timeout: .seconds(20)) { openDescriptorKinds(pid: fulcrum.pid).sockets == atRest })
        let before = openDescriptorKinds(pid: fulcrum.pid)
        let memoryBefore = residentMemoryKiB(pid: fulcrum.pid)
        let payload = [UInt8](repeating: 0x5A, count: 200_000)
        for index in 0..<2000 {
            let client = try TestSocket.connect(to: listener)
            // Bulk bytes in flight both ways (the echo backend sends them back), then a reset.
            try client.send(payload)
            if index % 2 == 0 { _ = try client.receive(maximum: 1000) }
            client.reset()
        }
        // Every socket is closed again; pipes may only be those the engine keeps pooled for reuse (at most 256 per
        // engine thread, two descriptors each), never one per connection served.
        // Sockets are compared with the count at rest before any traffic (the listeners): a count taken after the
        // warm-up may still include connections the kernel had queued for accept at that moment.
        #expect(eventually(timeout: .seconds(20)) { openDescriptorKinds(pid: fulcrum.pid).sockets == atRest })
        let after = openDescriptorKinds(pid: fulcrum.pid)
        #expect(after.sockets == atRest, "sockets at rest \(atRest), before \(before), after \(after)")
        #expect(after.pipes <= max(before.pipes, 2 * 256 * 2), "pipes before \(before), after \(after)")
        #expect(after.other == before.other, "before \(before), after \(after)")
        // A leak of 10 KiB per connection would show as 20 MB; nothing here depends on time or machine load.
        let memoryAfter = residentMemoryKiB(pid: fulcrum.pid)
        #expect(memoryAfter - memoryBefore < 20_000, "RSS grew from \(memoryBefore) KiB to \(memoryAfter) KiB")
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("SIGHUP reloads the file: a backend added to it receives connections")
    func sighupReload() throws {
        let first = try LoopbackServer { socket in try? socket.send("1"); socket.close() }
        let second = try LoopbackServer { socket in try? socket.send("2"); socket.close() }
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [first.endpoint]))
        let fulcrum = try FulcrumProcess(["run", "--config", path])
        #expect(fulcrum.waitUntilStarted())
        try folder.write("f.yaml", Self.config(port: port, backends: [first.endpoint, second.endpoint]))
        fulcrum.signal(SIGHUP)
        #expect(fulcrum.waitForOutput("reload applied"))
        var answers = Set<String>()
        for _ in 0..<4 {
            let client = try TestSocket.connect(to: IPEndpoint(address: Self.localhost, port: port))
            answers.insert(String(decoding: try client.receiveToEnd(), as: UTF8.self))
        }
        #expect(answers == ["1", "2"])
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }

    @Test("out of file descriptors: accepting pauses and is logged, nothing spins or crashes, service resumes")
    func descriptorExhaustion() throws {
        let backend = try LoopbackServer()
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let path = try folder.write("f.yaml", Self.config(port: port, backends: [backend.endpoint], grace: "1s"))
        // About 25 descriptors are in use at rest; 64 leaves room for a handful of proxied connections (2 each).
        let fulcrum = try FulcrumProcess(["run", "--config", path, "--threads", "1"], openFileLimit: 64)
        #expect(fulcrum.waitUntilStarted())
        let listener = IPEndpoint(address: Self.localhost, port: port)
        var held: [TestSocket] = []
        // Bounded: more connections than the limit allows; the kernel still completes handshakes into the backlog.
        for _ in 0..<60 {
            guard let client = try? TestSocket.connect(to: listener, timeout: .milliseconds(500)) else { break }
            held.append(client)
        }
        #expect(fulcrum.waitForOutput("accepting paused", timeout: .seconds(5)))
        #expect(fulcrum.isRunning)
        // Paused, not spinning: over a two-second measuring window with the backlog still full, it uses a small
        // fraction of a CPU. A paused process uses next to none however busy the machine is, so the bound (half
        // the window) cannot fail it; a spinning one gets its share of a CPU and exceeds it.
        let cpuBefore = processCPUSeconds(pid: fulcrum.pid)
        let window = ContinuousClock.now
        Thread.sleep(forTimeInterval: 2)
        let cpuUsed = processCPUSeconds(pid: fulcrum.pid) - cpuBefore
        let wall = ContinuousClock.now - window
        #expect(cpuUsed < 1.0, "used \(cpuUsed) CPU-seconds in \(wall) while paused")
        // Some connections were served before the limit, none crashed the process; freeing them lets it recover.
        held.forEach { $0.close() }
        held.removeAll()
        #expect(eventually(timeout: .seconds(10)) {
            guard let client = try? TestSocket.connect(to: listener, timeout: .seconds(1)) else { return false }
            defer { client.close() }
            guard (try? client.send("again")) != nil else { return false }
            return (try? client.receive(exactly: 5)) == Array("again".utf8)
        })
        fulcrum.signal(SIGTERM)
        #expect(fulcrum.waitForExit() == 0)
    }
}
