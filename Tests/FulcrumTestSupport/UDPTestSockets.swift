import FulcrumNet
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A UDP socket for tests, with a receive timeout; remembers where each datagram came from.
public final class UDPTestSocket: @unchecked Sendable {
    // Used by one test thread at a time.
    public let fd: Int32

    /// Binds `address` (port 0 unless given).
    public init(address: IPAddress = .v4(0x7F00_0001), port: UInt16 = 0, timeout: Duration = .seconds(5)) throws {
        let family = address.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError.system("socket", errno) }
        self.fd = fd
        var (storage, length) = SocketAddressing.make(IPEndpoint(address: address, port: port))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw TestSocketError.system("bind", errno) }
        // Room for a test's whole burst: drops here would be the test's, not Fulcrum's.
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        self.setTimeout(timeout)
    }

    deinit { close(self.fd) }

    public func setTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public var local: IPEndpoint {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(self.fd, $0, &length) }
        }
        return SocketAddressing.endpoint(storage)!
    }

    public func send(_ bytes: [UInt8], to endpoint: IPEndpoint) throws {
        var (storage, length) = SocketAddressing.make(endpoint)
        let sent = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(self.fd, raw.baseAddress, raw.count, 0, $0, length)
                }
            }
        }
        guard sent == bytes.count else { throw TestSocketError.system("sendto", errno) }
    }

    public func send(_ text: String, to endpoint: IPEndpoint) throws { try self.send(Array(text.utf8), to: endpoint) }

    /// The next datagram and its sender; throws `timeout` when none arrives in time.
    public func receive() throws -> (bytes: [UInt8], from: IPEndpoint) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &storage) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(self.fd, raw.baseAddress, raw.count, 0, $0, &length)
                    }
                }
            }
            if count >= 0 { return (Array(buffer.prefix(count)), SocketAddressing.endpoint(storage)!) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw TestSocketError.timeout }
            throw TestSocketError.system("recvfrom", errno)
        }
    }

    /// The next datagram as text.
    public func receiveText() throws -> String { String(decoding: try self.receive().bytes, as: UTF8.self) }
}

/// A UDP backend on loopback: answers every datagram with `name:` followed by the datagram, and records what it
/// received and from where.
public final class UDPEchoServer: @unchecked Sendable {
    // `received` is guarded by `lock`.
    public let socket: UDPTestSocket
    public let name: String
    private let lock = NSLock()
    private var received: [(bytes: [UInt8], from: IPEndpoint)] = []
    private var running = true

    public init(name: String, address: IPAddress = .v4(0x7F00_0001)) throws {
        self.socket = try UDPTestSocket(address: address, timeout: .milliseconds(100))
        self.name = name
        let thread = Thread { [weak self] in self?.loop() }
        thread.start()
    }

    deinit { self.stop() }

    public var endpoint: IPEndpoint { self.socket.local }
    public var datagrams: [(bytes: [UInt8], from: IPEndpoint)] { self.lock.withLock { self.received } }

    public func stop() { self.lock.withLock { self.running = false } }

    private func loop() {
        while self.lock.withLock({ self.running }) {
            guard let (bytes, from) = try? self.socket.receive() else { continue }
            self.lock.withLock { self.received.append((bytes, from)) }
            try? self.socket.send(Array("\(self.name):".utf8) + bytes, to: from)
        }
    }
}
