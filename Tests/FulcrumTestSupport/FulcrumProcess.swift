import FulcrumNet
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The `fulcrum` executable run as a child process, as a user runs it: arguments in, exit code and output out,
/// signals delivered for real.
public final class FulcrumProcess: @unchecked Sendable {
    // Output buffers are guarded by `lock`; the process object is only driven from the test.
    private let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    /// Both output pipes reached end of file: the process and every child holding them have exited.
    private var closedPipes = 0

    /// The built `fulcrum` binary: next to the test bundle in the build folder.
    public static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("fulcrum")
    }

    /// Starts `fulcrum ARGUMENTS` in `directory`; with `openFileLimit`, under that `ulimit -n` (through a shell that
    /// then execs fulcrum, so the process id is fulcrum's).
    public init(_ arguments: [String], directory: URL? = nil, openFileLimit: Int? = nil) throws {
        if let openFileLimit {
            self.process.executableURL = URL(fileURLWithPath: "/bin/sh")
            self.process.arguments = ["-c", "ulimit -n \(openFileLimit) && exec \"$0\" \"$@\"", FulcrumProcess.executable.path]
                + arguments
        } else {
            self.process.executableURL = FulcrumProcess.executable
            self.process.arguments = arguments
        }
        if let directory { self.process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        self.process.standardOutput = out
        self.process.standardError = err
        self.process.standardInput = FileHandle.nullDevice
        out.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            self?.lock.withLock {
                self?.stdoutData.append(data)
                if data.isEmpty { self?.closedPipes += 1 }
            }
        }
        err.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            self?.lock.withLock {
                self?.stderrData.append(data)
                if data.isEmpty { self?.closedPipes += 1 }
            }
        }
        try self.process.run()
    }

    deinit {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
        }
    }

    public var pid: Int32 { self.process.processIdentifier }
    public var stdout: String { self.lock.withLock { String(decoding: self.stdoutData, as: UTF8.self) } }
    public var stderr: String { self.lock.withLock { String(decoding: self.stderrData, as: UTF8.self) } }
    public var isRunning: Bool { self.process.isRunning }

    /// Waits until both output pipes have reached end of file (after the process exited): all its output is in.
    @discardableResult
    public func waitForOutputEnd(timeout: Duration = .seconds(20)) -> Bool {
        eventually(timeout: timeout) { self.lock.withLock { self.closedPipes == 2 } }
    }

    /// Waits until standard output contains `text`; `false` if it did not within `timeout` or the process exited.
    public func waitForOutput(_ text: String, timeout: Duration = .seconds(20)) -> Bool {
        eventually(timeout: timeout) { self.stdout.contains(text) || !self.process.isRunning }
            && self.stdout.contains(text)
    }

    /// Waits until the process is serving (its start-up log line is out).
    public func waitUntilStarted(timeout: Duration = .seconds(20)) -> Bool {
        self.waitForOutput("fulcrum started", timeout: timeout)
    }

    public func signal(_ number: Int32) { kill(self.process.processIdentifier, number) }

    /// The exit status, or `nil` if the process is still running after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(20)) -> Int32? {
        guard eventually(timeout: timeout, { !self.process.isRunning }) else { return nil }
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    /// Runs `fulcrum ARGUMENTS` to completion: (exit status, stdout, stderr).
    public static func run(_ arguments: [String], directory: URL? = nil, timeout: Duration = .seconds(30)) throws
        -> (status: Int32, stdout: String, stderr: String)
    {
        let child = try FulcrumProcess(arguments, directory: directory)
        guard let status = child.waitForExit(timeout: timeout) else {
            throw TimeoutError(timeout: timeout)
        }
        // Every byte it wrote is in once both pipes have reached end of file.
        _ = child.waitForOutputEnd()
        return (status, child.stdout, child.stderr)
    }
}

/// A folder for one test's files, removed when the value goes away.
public final class TemporaryFolder: @unchecked Sendable {
    public let url: URL

    public init() throws {
        self.url = FileManager.default.temporaryDirectory.appendingPathComponent("fulcrum-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: self.url) }

    /// Writes `text` to `name` in the folder; returns the file's path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let path = self.url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
