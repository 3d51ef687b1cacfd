import CFulcrumSys
import FulcrumNet
import Glibc

/// Socket calls of the engine, each a thin wrapper that turns `-1`/`errno` into a typed result.
enum Sockets {
    /// Creates, configures, binds and (for TCP) listens on a non-blocking socket for `endpoint`.
    ///
    /// Every engine thread binds its own socket per listen address with SO_REUSEPORT, and the kernel spreads new
    /// connections (and UDP flows, by 4-tuple hash) across them. IPv6 sockets are IPv6-only so that `0.0.0.0:P` and
    /// `[::]:P` can both be listened on, as the SPEC's example does.
    static func listen(on endpoint: IPEndpoint, transport: Transport, backlog: Int32 = 4096) throws(EngineError) -> Int32 {
        let family = endpoint.address.isIPv4 ? AF_INET : AF_INET6
        let type = (transport == .tcp ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue))
        let fd = socket(family, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .bind(endpoint, errno: errno) }
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, size)
        if family == AF_INET6 { setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, size) }
        if transport == .tcp {
            // Linux copies TCP_NODELAY from a listening socket to every socket it accepts: set once here, it saves
            // a system call per client connection.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, size)
        }
        if transport == .udp {
            _ = fulcrum_enable_pktinfo(fd, family == AF_INET6 ? 1 : 0)
            // Every flow of this thread shares the socket: a burst must not overflow the kernel's default 208 KiB
            // (the kernel caps the request at net.core.rmem_max / wmem_max).
            Sockets.setBufferSizes(fd, bytes: Sockets.datagramListenerBuffer)
        }
        var (storage, length) = endpoint.socketAddress()
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw .bind(endpoint, errno: code)
        }
        if transport == .tcp, Glibc.listen(fd, backlog) != 0 {
            let code = errno
            close(fd)
            throw .bind(endpoint, errno: code)
        }
        return fd
    }

    /// The address a socket is bound to (the port the kernel chose for port 0, the address a client reached on a
    /// wildcard listener).
    static func localEndpoint(of fd: Int32) -> IPEndpoint? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { return nil }
        return withUnsafePointer(to: &storage) { IPEndpoint(socketAddress: $0) }
    }

    /// Receive and send buffer size asked for on UDP listening sockets.
    static let datagramListenerBuffer: Int32 = 4 << 20
    /// Receive buffer size asked for on a UDP session's backend socket.
    static let datagramSessionBuffer: Int32 = 1 << 20

    static func setBufferSizes(_ fd: Int32, bytes: Int32) {
        var size = bytes
        let length = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, length)
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The pending error of a socket (SO_ERROR), which says why a non-blocking connect failed.
    static func pendingError(_ fd: Int32) -> Int32 {
        var code: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) == 0 else { return errno }
        return code
    }

    enum ConnectStart {
        /// The connect is under way (EINPROGRESS) or already done; readiness will say which.
        case started(Int32)
        /// The connect failed at once (e.g. ECONNREFUSED on loopback, ENETUNREACH): the backend's fault.
        case refused(Int32)
        /// No socket could be made (EMFILE, ENOBUFS): Fulcrum's own shortage, not the backend's.
        case noSocket(Int32)
    }

    /// Starts a non-blocking TCP connect to a prepared socket address.
    static func connect(
        to address: UnsafePointer<sockaddr_storage>,
        length: socklen_t,
        family: Int32
    ) -> ConnectStart {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .noSocket(errno) }
        self.setNoDelay(fd)
        let result = address.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        if result == 0 || errno == EINPROGRESS { return .started(fd) }
        let code = errno
        close(fd)
        return .refused(code)
    }
}

/// TCP or UDP.
public enum Transport: String, Sendable, Hashable {
    case tcp
    case udp
}
