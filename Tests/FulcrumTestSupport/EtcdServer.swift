import Foundation
import FulcrumNet

#if canImport(Glibc)
import Glibc
#endif

/// A single-member etcd (Debian's `etcd-server`: `/usr/bin/etcd`) run by a test as a child process on loopback,
/// its data in a temporary folder, to be written to, stopped, killed, paused and started again on the same ports
/// and data.
///
/// It listens on two client ports: `clientURL` for the code under test, and a control port for the test's own
/// writes (`put`, `delete`). `start(reachable: false)` runs it with the control port only, so that a test can write
/// while etcd is up but out of the reach of the code under test: writes made during that code's outage.
public final class EtcdServer: @unchecked Sendable {
    public static let executable = "/usr/bin/etcd"
    /// Whether etcd is installed; tests that need it are enabled only then.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: Self.executable) }

    /// Where the code under test connects.
    public let clientPort: UInt16
    /// Where the test writes (`put`, `delete`): reachable whenever etcd runs.
    public let controlPort: UInt16
    public let peerPort: UInt16
    public var clientURL: String { "http://127.0.0.1:\(self.clientPort)" }

    private let folder: TemporaryFolder
    // `process` is guarded by `lock`; each test drives its server from one task at a time.
    private let lock = NSLock()
    private var process: Process?

    /// Starts etcd and waits until it answers.
    public init() throws {
        self.clientPort = freeLoopbackPort()
        self.controlPort = freeLoopbackPort()
        self.peerPort = freeLoopbackPort()
        self.folder = try TemporaryFolder()
        try self.start()
    }

    deinit { self.kill() }

    /// Everything etcd wrote to its standard output and error, over every run: for a failing test's message.
    public var log: String {
        (try? String(contentsOf: self.logURL, encoding: .utf8)) ?? ""
    }

    public var isRunning: Bool { self.lock.withLock { self.process?.isRunning ?? false } }

    /// Starts etcd on the same ports and data (a no-op while it runs) and waits until its control port answers a
    /// read. `reachable: false`: only the control port listens, and connects to `clientURL` are refused.
    public func start(reachable: Bool = true, timeout: Duration = .seconds(60)) throws {
        let process = try self.lock.withLock { () -> Process? in
            if let running = self.process, running.isRunning { return nil }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable)
            let control = "http://127.0.0.1:\(self.controlPort)"
            let clients = reachable ? "\(self.clientURL),\(control)" : control
            let peer = "http://127.0.0.1:\(self.peerPort)"
            process.arguments = [
                "--name", "fulcrum-test",
                "--data-dir", self.folder.url.appendingPathComponent("data").path,
                "--listen-client-urls", clients,
                "--advertise-client-urls", control,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", "fulcrum-test=\(peer)",
                "--initial-cluster-state", "new",
            ]
            // etcd reads its flags from ETCD_* variables too: none of the test runner's may leak in.
            process.environment = ["PATH": "/usr/bin:/bin"]
            if !FileManager.default.fileExists(atPath: self.logURL.path) {
                _ = FileManager.default.createFile(atPath: self.logURL.path, contents: nil)
            }
            let log = try FileHandle(forWritingTo: self.logURL)
            log.seekToEndOfFile()
            process.standardOutput = log
            process.standardError = log
            process.standardInput = FileHandle.nullDevice
            try process.run()
            try log.close()
            self.process = process
            return process
        }
        guard let process else { return }
        let answered = eventually(timeout: timeout) { !process.isRunning || self.answers() }
        guard answered, process.isRunning else {
            self.kill()
            throw EtcdServerError(message: "etcd did not start within \(timeout); its log:\n\(self.log.suffix(4000))")
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `timeout`; waits for the exit.
    public func stop(timeout: Duration = .seconds(20)) {
        self.end(with: SIGTERM, timeout: timeout)
    }

    /// SIGKILL: etcd dies at once, its connections reset, as in a crash; waits for the exit.
    public func kill() {
        self.end(with: SIGKILL, timeout: .seconds(20))
    }

    /// SIGSTOP: etcd stays alive and keeps its connections open but answers nothing (a hung member, or a network
    /// that silently drops packets). `resume()` undoes it.
    public func pause() { self.signal(SIGSTOP) }
    public func resume() { self.signal(SIGCONT) }

    /// Writes `value` to `key` (through the control port; returns once etcd has committed it).
    public func put(_ key: String, _ value: String) throws {
        try self.call("/v3/kv/put", ["key": Self.base64(key), "value": Self.base64(value)])
    }

    /// Deletes `key`.
    public func delete(_ key: String) throws {
        try self.call("/v3/kv/deleterange", ["key": Self.base64(key)])
    }

    /// Deletes every key under `prefix` in one write (one revision: a watcher sees it as one change).
    public func deletePrefix(_ prefix: String) throws {
        var end = Array(prefix.utf8)
        end[end.count - 1] += 1
        try self.call(
            "/v3/kv/deleterange",
            ["key": Self.base64(prefix), "range_end": Data(end).base64EncodedString()])
    }

    private var logURL: URL { self.folder.url.appendingPathComponent("etcd.log") }

    private var control: AdminClient {
        AdminClient(endpoint: IPEndpoint(address: .v4(0x7F00_0001), port: self.controlPort))
    }

    /// Whether a read through the control port succeeds (etcd elected itself leader and serves).
    private func answers() -> Bool {
        let reply = try? self.control.request(
            "POST",
            "/v3/kv/range",
            body: #"{"key": "AA=="}"#,
            timeout: .seconds(2)
        )
        return reply?.status == 200
    }

    private func call(_ path: String, _ body: [String: String]) throws {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let reply = try self.control.request("POST", path, body: json, timeout: .seconds(20))
        guard reply.status == 200 else {
            throw EtcdServerError(message: "\(path) answered \(reply.status): \(reply.text)")
        }
    }

    private func signal(_ number: Int32) {
        self.lock.withLock {
            guard let process = self.process, process.isRunning else { return }
            _ = Glibc.kill(process.processIdentifier, number)
        }
    }

    private func end(with signal: Int32, timeout: Duration) {
        let process = self.lock.withLock { () -> Process? in
            defer { self.process = nil }
            return self.process
        }
        guard let process, process.isRunning else { return }
        // A stopped process only acts on SIGTERM once it runs again.
        _ = Glibc.kill(process.processIdentifier, SIGCONT)
        _ = Glibc.kill(process.processIdentifier, signal)
        if !eventually(timeout: timeout, { !process.isRunning }) {
            _ = Glibc.kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
}

public struct EtcdServerError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { self.message }
}
