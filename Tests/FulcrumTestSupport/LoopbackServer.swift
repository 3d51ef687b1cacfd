import FulcrumNet
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP server on loopback for tests: accepts on its own thread and runs `handler` on a thread per connection.
/// Counts connections and records client addresses, so tests can check where a balancer sent whom.
public final class LoopbackServer: @unchecked Sendable {
    // Mutable state is guarded by `lock`.
    public typealias Handler = @Sendable (TestSocket) -> Void

    public let endpoint: IPEndpoint
    private let handler: Handler
    private let lock = NSLock()
    private var listenFD: Int32
    private var open: [TestSocket] = []
    private var peers: [IPEndpoint] = []
    private var acceptThread: Thread?
    private var stopped = false

    /// Binds `address` (default 127.0.0.1) on `port` (0: any free port) and starts accepting.
    public init(address: IPAddress = .v4(0x7F00_0001), port: UInt16 = 0, handler: @escaping Handler = LoopbackServer.echo) throws {
        let family = address.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError.system("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var (storage, length) = SocketAddressing.make(IPEndpoint(address: address, port: port))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw TestSocketError.system("bind/listen", code)
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        self.endpoint = SocketAddressing.endpoint(actual)!
        self.listenFD = fd
        self.handler = handler
        let thread = Thread { [weak self] in self?.acceptLoop(fd) }
        thread.name = "test-server-accept"
        self.acceptThread = thread
        thread.start()
    }

    deinit { self.stop() }

    /// Replies with whatever it receives until the client closes.
    public static let echo: Handler = { socket in
        while let chunk = try? socket.receive(), !chunk.isEmpty {
            if (try? socket.send(chunk)) == nil { break }
        }
        socket.close()
    }

    private func acceptLoop(_ fd: Int32) {
        while true {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { accept(fd, $0, &length) }
            }
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let socket = TestSocket(fd: client, timeout: .seconds(30))
            let keep = self.lock.withLock { () -> Bool in
                if self.stopped { return false }
                self.open.append(socket)
                if let peer = SocketAddressing.endpoint(storage) { self.peers.append(peer) }
                return true
            }
            guard keep else {
                socket.close()
                return
            }
            let handler = self.handler
            let thread = Thread { handler(socket) }
            thread.stackSize = 1 << 18
            thread.start()
        }
    }

    /// Connections accepted so far.
    public var connectionCount: Int { self.lock.withLock { self.peers.count } }
    /// Client addresses of the connections accepted so far, in order.
    public var clientAddresses: [IPEndpoint] { self.lock.withLock { self.peers } }

    /// Stops accepting (the port is closed: new connects are refused) and closes every open connection.
    public func stop() {
        let (fd, sockets) = self.lock.withLock { () -> (Int32, [TestSocket]) in
            if self.stopped { return (-1, []) }
            self.stopped = true
            let fd = self.listenFD
            self.listenFD = -1
            return (fd, self.open)
        }
        guard fd >= 0 else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        Glibc.close(fd)
        for socket in sockets { socket.shutdownBoth() }
    }
}

/// Runs `body` with a deadline; fails the test with a thrown error if the deadline passes first.
public func withTimeout<T: Sendable>(
    _ timeout: Duration, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError(timeout: timeout)
        }
        let result = try await group.next()!
        group.cancelAll()
        return result
    }
}

public struct TimeoutError: Error, CustomStringConvertible {
    public let timeout: Duration
    public var description: String { "timed out after \(self.timeout)" }
}

/// Open file descriptors of this process (entries of /proc/self/fd).
public func openDescriptorCount(pid: Int32? = nil) -> Int {
    let path = pid.map { "/proc/\($0)/fd" } ?? "/proc/self/fd"
    return (try? FileManager.default.contentsOfDirectory(atPath: path).count) ?? -1
}

/// Open descriptors of a process by kind: sockets, pipes and the rest (from the /proc/PID/fd link targets).
public func openDescriptorKinds(pid: Int32) -> (sockets: Int, pipes: Int, other: Int) {
    let path = "/proc/\(pid)/fd"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: path) else { return (-1, -1, -1) }
    var result = (sockets: 0, pipes: 0, other: 0)
    for entry in entries {
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(path)/\(entry)")) ?? ""
        if target.hasPrefix("socket:") {
            result.sockets += 1
        } else if target.hasPrefix("pipe:") {
            result.pipes += 1
        } else {
            result.other += 1
        }
    }
    return result
}

/// User plus system CPU time a process has used, in seconds (from /proc/PID/stat).
public func processCPUSeconds(pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = text.lastIndex(of: ")")
    else { return -1 }
    // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based in proc(5)).
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return -1 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Resident memory of a process in KiB (VmRSS from /proc/PID/status).
public func residentMemoryKiB(pid: Int32? = nil) -> Int {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return -1 }
    for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
}
