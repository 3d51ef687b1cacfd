import FulcrumNet
import FulcrumTestSupport
import Foundation

/// A running `fulcrum` with its admin server on a free loopback port, for the admin end-to-end tests.
final class AdminFixture: @unchecked Sendable {
    // Driven by one test at a time.
    static let localhost = IPAddress.v4(0x7F00_0001)

    let folder: TemporaryFolder
    let configPath: String
    let fulcrum: FulcrumProcess
    let adminPort: UInt16
    /// Without a token.
    let admin: AdminClient

    /// Starts `fulcrum run` with `services` (the YAML under `services:`, indented by two spaces) and an admin
    /// section; with `token`, a token file is written and referenced by a relative path.
    init(services: String, token: String? = nil, threads: Int = 2, grace: String = "1s") throws {
        self.folder = try TemporaryFolder()
        self.adminPort = freeLoopbackPort()
        if let token { try self.folder.write("admin-token", "  \(token)\n") }
        self.configPath = try self.folder.write("fulcrum.yaml", Self.config(
            adminPort: self.adminPort, tokenFile: token == nil ? nil : "./admin-token", services: services,
            grace: grace))
        self.fulcrum = try FulcrumProcess([
            "run", "--config", self.configPath, "--log-format", "json", "--threads", "\(threads)",
        ])
        self.admin = AdminClient(endpoint: IPEndpoint(address: Self.localhost, port: self.adminPort))
        guard self.fulcrum.waitUntilStarted() else {
            throw AdminTestError( "fulcrum did not start: \(self.fulcrum.stderr)\n\(self.fulcrum.stdout)")
        }
    }

    static func config(adminPort: UInt16, tokenFile: String?, services: String, grace: String = "1s") -> String {
        var yaml = "shutdown_grace: \(grace)\nadmin:\n  listen: 127.0.0.1:\(adminPort)\n"
        if let tokenFile { yaml += "  token_file: \(tokenFile)\n" }
        return yaml + "services:\n" + services
    }

    /// One service block for `services:`.
    static func service(
        _ name: String, port: UInt16, balance: String = "round_robin", backends: [IPEndpoint], extra: String = ""
    ) -> String {
        var yaml = "  \(name):\n    listen: \"127.0.0.1:\(port)\"\n    balance: \(balance)\n" + extra
        if backends.isEmpty { return yaml + "    backends: []\n" }
        yaml += "    backends:\n"
        for backend in backends { yaml += "      - address: \"\(backend)\"\n" }
        return yaml
    }

    /// Rewrites the configuration file with new services (same admin section).
    func rewrite(services: String, token: String? = nil) throws {
        try self.folder.write("fulcrum.yaml", Self.config(
            adminPort: self.adminPort, tokenFile: token == nil ? nil : "./admin-token", services: services))
    }

    func endpoint(port: UInt16) -> IPEndpoint { IPEndpoint(address: Self.localhost, port: port) }

    /// SIGTERM and the exit status.
    func stop() -> Int32? {
        self.fulcrum.signal(SIGTERM)
        return self.fulcrum.waitForExit()
    }
}

/// A loopback backend that answers every connection with its name and closes, so a client learns where it went.
func namedBackend(_ name: String, address: IPAddress = AdminFixture.localhost) throws -> LoopbackServer {
    try LoopbackServer(address: address) { socket in
        try? socket.send(name)
        socket.close()
    }
}

/// Opens a connection to `endpoint`, reads the backend's name until it closes.
func askBackendName(_ endpoint: IPEndpoint, from source: IPAddress? = nil) throws -> String {
    let client = try TestSocket.connect(to: endpoint, from: source)
    return String(decoding: try client.receiveToEnd(), as: UTF8.self)
}

/// Programs outside the build that some admin tests use (a real browser, a real Prometheus parser).
enum ExternalTools {
    /// Debian's `chromium` (or another Chromium/Chrome binary), if installed.
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// `python3` with the `prometheus_client` package.
    static let prometheusParser: Bool = {
        guard let result = try? ToolRun.run("/usr/bin/env", ["python3", "-c", "import prometheus_client"]) else {
            return false
        }
        return result.status == 0
    }()
}

/// Runs a program to completion with its output in files (no pipe can fill up), bounded by a timeout.
enum ToolRun {
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let folder = try TemporaryFolder()
        let outURL = folder.url.appendingPathComponent("stdout")
        let errURL = folder.url.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        guard eventually(timeout: timeout, { !process.isRunning }) else {
            process.terminate()
            process.waitUntilExit()
            throw AdminTestError("\(executable) did not finish within \(timeout)")
        }
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, out, err)
    }
}

/// The repository's root folder (for contrib/ and docs/).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A failure of the test's own plumbing (a process that did not start, a tool that failed), with the details.
struct AdminTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
