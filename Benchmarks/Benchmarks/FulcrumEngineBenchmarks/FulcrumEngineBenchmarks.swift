import Benchmark
import FulcrumBalancing
import FulcrumEngine
import FulcrumNet
import Glibc
import Logging

// The engine's per-event costs (issue 9, item 4): a round trip of one chunk through an established connection, and a
// whole new connection (accept, backend connect, one exchange, close), through a real engine on loopback. The client
// and the echo backend are raw system calls on preallocated buffers, so every malloc counted is the engine's: the
// relay path must stay at zero. Run from Benchmarks/:
//   swift package benchmark --target FulcrumEngineBenchmarks

/// A blocking TCP echo server on its own thread, written with raw calls so that it allocates nothing per request.
private final class RawEchoServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        self.port = RawSocket.bindLoopback(fd)
        listen(fd, 1024)
        self.fd = fd
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            Unmanaged<RawEchoServer>.fromOpaque(raw!).takeRetainedValue().serve()
            return nil
        }, box)
    }

    /// One connection at a time: echo until the client closes, then take the next.
    private func serve() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 64)
        while true {
            let client = accept(self.fd, nil, nil)
            if client < 0 { continue }
            RawSocket.setNoDelay(client)
            while true {
                let count = recv(client, buffer, 65536, 0)
                if count <= 0 { break }
                if !RawSocket.sendAll(client, buffer, count) { break }
            }
            close(client)
        }
    }
}

/// A UDP echo server on its own thread, raw calls only.
private final class RawDatagramEchoServer: @unchecked Sendable {
    let port: UInt16
    private let fd: Int32

    init() {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.port = RawSocket.bindLoopback(fd)
        self.fd = fd
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            Unmanaged<RawDatagramEchoServer>.fromOpaque(raw!).takeRetainedValue().serve()
            return nil
        }, box)
    }

    private func serve() {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 64)
        var peer = sockaddr_storage()
        while true {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(self.fd, buffer, 65536, 0, $0, &length) }
            }
            if count < 0 { continue }
            _ = withUnsafePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(self.fd, buffer, count, 0, $0, length) }
            }
        }
    }
}

private enum RawSocket {
    static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// Binds `fd` to 127.0.0.1 on a port the kernel picks, and returns that port.
    static func bindLoopback(_ fd: Int32) -> UInt16 {
        var address = self.loopback(port: 0)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    static func connect(port: UInt16) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = self.loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        precondition(result == 0, "cannot connect to the engine")
        self.setNoDelay(fd)
        return fd
    }

    static func sendAll(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let sent = send(fd, buffer + offset, count - offset, Int32(MSG_NOSIGNAL))
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    static func receiveAll(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let received = recv(fd, buffer + offset, count - offset, 0)
            if received <= 0 { return false }
            offset += received
        }
        return true
    }
}

/// An engine with one TCP (or UDP) service in front of `backendPort`, on an ephemeral port.
private func startEngine(
    backendPort: UInt16, recordsAccess: Bool, transport: Transport = .tcp
) throws -> (Engine, UInt16) {
    var logger = Logger(label: "benchmark")
    logger.logLevel = .error
    let engine = try Engine(threads: 1, recordsAccess: recordsAccess, logger: logger)
    let stats = BackendStats()
    let endpoint = IPEndpoint(address: .v4(0x7F00_0001), port: backendPort)
    let backend = BackendRoute(id: BackendID(0), address: "\(endpoint)", endpoint: endpoint, stats: stats)
    let balancer = Balancers.make(
        algorithm: .roundRobin, hashKey: .sourceIP,
        members: [BalancerMember(id: backend.id, key: backend.address, weight: 1, load: stats.load)],
        rotation: RoundRobinRotation())
    let service = ServiceRoute(
        name: "bench", settings: ServiceSettings(transport: transport), balancer: balancer, backends: [backend], stats: ServiceStats(),
        sources: SourceCounters(capacity: 1024))
    let key = ListenerKey(endpoint: IPEndpoint(address: .v4(0x7F00_0001), port: 0), transport: transport)
    try engine.apply(RoutingTable(services: [service], listeners: [key: 0]))
    return (engine, engine.boundListeners[key]!.port)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .syscalls, .throughput],
        timeUnits: .microseconds,
        maxDuration: .seconds(3),
        maxIterations: 10_000
    )
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 64)
    buffer.initializeMemory(as: UInt8.self, repeating: 0x5A, count: 65536)
    // One engine per benchmark, started once: a sample measures only the relay work of its iterations. Samples are
    // 1,000 iterations, so "Malloc (total)" per sample / 1,000 is the count per round trip or per connection.
    let noAllocation = BenchmarkThresholds(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
    let configuration = Benchmark.Configuration(
        scalingFactor: .kilo, thresholds: [.mallocCountTotal: noAllocation])

    for size in [512, 16384] {
        // The echo server serves one connection at a time, so each long-lived connection gets its own.
        let backend = RawEchoServer()
        guard let (_, port) = try? startEngine(backendPort: backend.port, recordsAccess: true) else { return }
        let client = RawSocket.connect(port: port)
        // Warm up: the connection, the thread's buffers and pools are in place before measuring.
        for _ in 0..<1000 {
            _ = RawSocket.sendAll(client, buffer, size)
            _ = RawSocket.receiveAll(client, buffer, size)
        }
        Benchmark("round trip of \(size) bytes through an open connection", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                precondition(RawSocket.sendAll(client, buffer, size) && RawSocket.receiveAll(client, buffer, size))
            }
        }
    }

    let backend = RawEchoServer()
    for recordsAccess in [true, false] {
        guard let (engine, port) = try? startEngine(backendPort: backend.port, recordsAccess: recordsAccess) else { return }
        for _ in 0..<1000 {
            let client = RawSocket.connect(port: port)
            _ = RawSocket.sendAll(client, buffer, 64)
            _ = RawSocket.receiveAll(client, buffer, 64)
            close(client)
        }
        engine.drainAccessLog { _ in }
        let name = "new connection with one 64-byte exchange (access records \(recordsAccess ? "on" : "off"))"
        Benchmark(name, configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                let client = RawSocket.connect(port: port)
                precondition(RawSocket.sendAll(client, buffer, 64) && RawSocket.receiveAll(client, buffer, 64))
                close(client)
            }
        }
    }

    // UDP: one datagram to the engine and its reply back, over an established session.
    let datagramBackend = RawDatagramEchoServer()
    if let (_, datagramPort) = try? startEngine(
        backendPort: datagramBackend.port, recordsAccess: true, transport: .udp)
    {
        let client = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = RawSocket.loopback(port: datagramPort)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        for _ in 0..<1000 {
            _ = send(client, buffer, 64, 0)
            _ = recv(client, buffer, 65536, 0)
        }
        Benchmark("UDP round trip of a 64-byte datagram through a session", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                precondition(send(client, buffer, 64, 0) == 64 && recv(client, buffer, 65536, 0) == 64)
            }
        }
    }
}
