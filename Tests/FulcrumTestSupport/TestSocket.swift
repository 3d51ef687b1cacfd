import FulcrumNet
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP socket for tests, with a receive timeout so that no test can hang on a read.
public final class TestSocket: @unchecked Sendable {
    // Reads and writes come from one thread at a time; closing may come from another (a server stopping), so the
    // closed flag is guarded by `lock`: a descriptor number must never be shut down or closed after it was released,
    // since another test may own that number by then.
    public let fd: Int32
    private let lock = NSLock()
    private var closed = false
    public var isClosed: Bool { self.lock.withLock { self.closed } }

    public init(fd: Int32, timeout: Duration = .seconds(10)) {
        self.fd = fd
        self.setTimeout(timeout)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { if !self.closed { Glibc.close(self.fd) } }

    /// Connects to `endpoint`, optionally from `source` (any 127.0.0.0/8 address works as a distinct client on Linux).
    public static func connect(
        to endpoint: IPEndpoint, from source: IPAddress? = nil, timeout: Duration = .seconds(10)
    ) throws -> TestSocket {
        let family = endpoint.address.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestSocketError.system("socket", errno) }
        let socket = TestSocket(fd: fd, timeout: timeout)
        if let source {
            var (storage, length) = SocketAddressing.make(IPEndpoint(address: source, port: 0))
            let result = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard result == 0 else { throw TestSocketError.system("bind", errno) }
        }
        var (storage, length) = SocketAddressing.make(endpoint)
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard result == 0 else { throw TestSocketError.system("connect to \(endpoint)", errno) }
        return socket
    }

    public func setTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(self.fd, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(self.fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw TestSocketError.system("send", errno)
                }
                offset += sent
            }
        }
    }

    public func send(_ text: String) throws { try self.send(Array(text.utf8)) }

    /// Up to `maximum` bytes; empty at end of stream. Throws on timeout or error.
    public func receive(maximum: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: maximum)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, maximum, 0) }
            if count >= 0 { return Array(buffer.prefix(count)) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw TestSocketError.timeout }
            throw TestSocketError.system("recv", errno)
        }
    }

    /// Exactly `count` bytes (throws if the stream ends first).
    public func receive(exactly count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(count)
        while result.count < count {
            let chunk = try self.receive(maximum: min(65536, count - result.count))
            if chunk.isEmpty { throw TestSocketError.endOfStream(received: result.count) }
            result += chunk
        }
        return result
    }

    /// Everything until the peer closes.
    public func receiveToEnd(limit: Int = 1 << 30) throws -> [UInt8] {
        var result: [UInt8] = []
        while result.count < limit {
            let chunk = try self.receive()
            if chunk.isEmpty { break }
            result += chunk
        }
        return result
    }

    /// Reads until `text` has arrived; returns everything read.
    public func receive(until text: String) throws -> String {
        var result: [UInt8] = []
        while !String(decoding: result, as: UTF8.self).contains(text) {
            let chunk = try self.receive()
            if chunk.isEmpty { throw TestSocketError.endOfStream(received: result.count) }
            result += chunk
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// `true` when the peer closed (or reset) the connection within `timeout`, reading and discarding any bytes.
    public func waitForClose(timeout: Duration = .seconds(5)) -> Bool {
        self.setTimeout(timeout)
        while true {
            do {
                if try self.receive().isEmpty { return true }
            } catch TestSocketError.system(_, let code) where code == ECONNRESET {
                return true
            } catch {
                return false
            }
        }
    }

    public func shutdownWrite() {
        self.lock.withLock { if !self.closed { _ = Glibc.shutdown(self.fd, Int32(SHUT_WR)) } }
    }

    /// Shuts both directions down (wakes a thread blocked on this socket) unless it is already closed.
    public func shutdownBoth() {
        self.lock.withLock { if !self.closed { _ = Glibc.shutdown(self.fd, Int32(SHUT_RDWR)) } }
    }

    /// Closes with a reset (SO_LINGER 0) instead of a FIN.
    public func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        self.close()
    }

    public func close() {
        self.lock.withLock {
            guard !self.closed else { return }
            self.closed = true
            Glibc.close(self.fd)
        }
    }

    /// The peer's address.
    public var peer: IPEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(self.fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return SocketAddressing.endpoint(storage)
    }

    /// The local address.
    public var local: IPEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(self.fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return SocketAddressing.endpoint(storage)
    }
}

public enum TestSocketError: Error, CustomStringConvertible {
    case system(String, Int32)
    case timeout
    case endOfStream(received: Int)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .timeout: return "timed out"
        case .endOfStream(let received): return "stream ended after \(received) bytes"
        }
    }
}

/// sockaddr conversions for test sockets.
public enum SocketAddressing {
    public static func make(_ endpoint: IPEndpoint) -> (sockaddr_storage, socklen_t) {
        var storage = sockaddr_storage()
        switch endpoint.address {
        case .v4(let value):
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    address.pointee.sin_family = sa_family_t(AF_INET)
                    address.pointee.sin_port = endpoint.port.bigEndian
                    address.pointee.sin_addr.s_addr = value.bigEndian
                }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size))
        case .v6:
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    address.pointee.sin6_family = sa_family_t(AF_INET6)
                    address.pointee.sin6_port = endpoint.port.bigEndian
                    endpoint.address.withNetworkBytes { bytes in
                        withUnsafeMutableBytes(of: &address.pointee.sin6_addr) { $0.copyMemory(from: bytes) }
                    }
                }
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size))
        }
    }

    public static func endpoint(_ storage: sockaddr_storage) -> IPEndpoint? {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    IPEndpoint(address: .v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr)),
                               port: UInt16(bigEndian: $0.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    let bytes = withUnsafeBytes(of: address.pointee.sin6_addr) { Array($0) }
                    return IPEndpoint(address: IPAddress(networkBytes: bytes)!,
                                      port: UInt16(bigEndian: address.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}
