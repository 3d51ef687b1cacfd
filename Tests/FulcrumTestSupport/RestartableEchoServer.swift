import FulcrumNet
import Foundation

/// An echo backend that can be stopped (its port then refuses connects) and started again on the same port, as a
/// backend process that dies and comes back. It counts only the connections that carried data, per run, so that a
/// health checker's bare connects are not mistaken for proxied clients.
public final class RestartableEchoServer: @unchecked Sendable {
    // `server` and `runs` are guarded by `lock`.
    public let endpoint: IPEndpoint
    private let probe: (request: String, reply: String)?
    private let lock = NSLock()
    private var server: LoopbackServer?
    private var runs: [ConnectionCounter] = []

    /// Binds `address` on `port` (0: any free port). With `probe`, a connection whose first bytes start with
    /// `probe.request` is a health check: it gets `probe.reply`, is closed and is not counted.
    public init(
        address: IPAddress = .v4(0x7F00_0001), port: UInt16 = 0, probe: (request: String, reply: String)? = nil
    ) throws {
        self.probe = probe
        let counter = ConnectionCounter()
        let server = try LoopbackServer(address: address, port: port, handler: Self.handler(counter, probe: probe))
        self.endpoint = server.endpoint
        self.server = server
        self.runs = [counter]
    }

    deinit { self.stop() }

    /// Stops accepting and closes every open connection: new connects to the port are refused.
    public func stop() {
        let server = self.lock.withLock { () -> LoopbackServer? in
            defer { self.server = nil }
            return self.server
        }
        server?.stop()
    }

    /// Listens again on the same address and port (a no-op while running).
    public func start() throws {
        try self.lock.withLock {
            guard self.server == nil else { return }
            let counter = ConnectionCounter()
            self.server = try LoopbackServer(
                address: self.endpoint.address, port: self.endpoint.port,
                handler: Self.handler(counter, probe: self.probe))
            self.runs.append(counter)
        }
    }

    public var isRunning: Bool { self.lock.withLock { self.server != nil } }
    /// Connections that carried client data, over every run.
    public var servedConnections: Int { self.servedPerRun.reduce(0, +) }
    /// Connections that carried client data, one count per run (start-up and each `start()`), in order.
    public var servedPerRun: [Int] { self.lock.withLock { self.runs.map(\.value) } }

    private static func handler(
        _ counter: ConnectionCounter, probe: (request: String, reply: String)?
    ) -> LoopbackServer.Handler {
        { socket in
            guard let first = try? socket.receive(), !first.isEmpty else {
                socket.close()
                return
            }
            if let probe, first.starts(with: Array(probe.request.utf8)) {
                try? socket.send(probe.reply)
                socket.close()
                return
            }
            counter.increment()
            guard (try? socket.send(first)) != nil else {
                socket.close()
                return
            }
            LoopbackServer.echo(socket)
        }
    }
}

/// A thread-safe count.
final class ConnectionCounter: @unchecked Sendable {
    // `count` is guarded by `lock`.
    private let lock = NSLock()
    private var count = 0

    func increment() { self.lock.withLock { self.count += 1 } }
    var value: Int { self.lock.withLock { self.count } }
}
