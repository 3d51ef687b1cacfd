import FulcrumNet
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A loopback port that nothing listens on, for a server a test will start later (often in another process:
/// `fulcrum run` with this port in its configuration), or for a port that must refuse connects.
///
/// Why not bind port 0, read the port and close: that port comes from the kernel's ephemeral range, the range every
/// `connect()` and every bind to port 0 draws from, so while suites run in parallel another test's client socket
/// (or another call of this function) can be given the same port before the server binds it. Ports here come from
/// just below the ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`), which the kernel never hands out by
/// itself, and each is handed out once per test process (a counter), so neither can happen. A port some other
/// program already holds is skipped (bound for TCP and UDP on `address`, then released). A server may also stop and
/// start again on its port (a backend that dies and comes back) without another socket taking it meanwhile.
public func freeLoopbackPort(address: IPAddress = .v4(0x7F00_0001)) -> UInt16 {
    LoopbackPorts.shared.next(address: address)
}

/// Hands out ports of a range outside the kernel's ephemeral ports, once each (see `freeLoopbackPort`).
final class LoopbackPorts: Sendable {
    static let shared = LoopbackPorts()

    private let range: ClosedRange<Int>
    private let cursor: Atomic<Int>

    private init() {
        let (low, high) = Self.ephemeralRange()
        // 10,000 ports below the ephemeral range, or above it when it starts too low to leave room.
        if low > 11_024 {
            self.range = (low - 10_000)...(low - 1)
        } else {
            self.range = (high + 1)...min(high + 10_000, 65_535)
        }
        // Start somewhere that depends on the process, so two test processes on one machine rarely meet.
        self.cursor = Atomic(Int(getpid()) % self.range.count)
    }

    func next(address: IPAddress) -> UInt16 {
        for _ in 0..<self.range.count {
            let offset = self.cursor.wrappingAdd(1, ordering: .relaxed).oldValue % self.range.count
            let port = UInt16(self.range.lowerBound + offset)
            if Self.isFree(port, on: address) { return port }
        }
        fatalError("no free loopback port in \(self.range)")
    }

    /// Whether `port` can be bound on `address` for both TCP and UDP right now (a listener, a TIME_WAIT left by an
    /// earlier run, or a UDP socket of another program makes it unusable).
    private static func isFree(_ port: UInt16, on address: IPAddress) -> Bool {
        let family = address.isIPv4 ? AF_INET : AF_INET6
        for type in [Int32(SOCK_STREAM.rawValue), Int32(SOCK_DGRAM.rawValue)] {
            let fd = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var (storage, length) = SocketAddressing.make(IPEndpoint(address: address, port: port))
            let bound = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            guard bound == 0 else { return false }
        }
        return true
    }

    /// The kernel's ephemeral port range (Linux default 32768–60999).
    private static func ephemeralRange() -> (Int, Int) {
        let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8)) ?? ""
        let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        guard numbers.count == 2 else { return (32_768, 60_999) }
        return (numbers[0], numbers[1])
    }
}
