import CFulcrumSys
import FulcrumNet
import Glibc
import Logging
import Synchronization

/// Fulcrum's data plane: one thread per core, each with its own epoll instance and its own SO_REUSEPORT socket per
/// listening address, relaying TCP with splice(2) and UDP with recvmmsg/sendmmsg.
///
/// The control plane drives it with immutable `RoutingTable`s (`apply`), and reads live figures from the stats
/// objects those tables share. Nothing here knows the configuration file.
public final class Engine: Sendable {
    private struct Handle: Sendable {
        let mailbox: WorkerMailbox
        let accessLog: AccessLogRing
        let gauges: WorkerGauges
        let thread: WorkerThread
    }

    private struct State: Sendable {
        /// For each listener: its actual address (port 0 resolved) and one socket per thread, not yet handed over or
        /// handed over and owned by the threads.
        var listeners: [ListenerKey: (endpoint: IPEndpoint, sockets: [Int32])] = [:]
        var routing = RoutingTable.empty
        var accepting = true
        var stopped = false
    }

    private let handles: [Handle]
    private let state = Mutex(State())
    private let logger: Logger

    /// Number of engine threads.
    public var threadCount: Int { self.handles.count }

    /// Starts `threads` engine threads (default: one per online CPU). With `recordsAccess` false the threads write
    /// no access-log records at all (nothing would log them: the log level is above `info`).
    public init(
        threads: Int? = nil, recordsAccess: Bool = true, logger: Logger
    ) throws(EngineError) {
        // splice(2) has no MSG_NOSIGNAL: a peer that went away must yield EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        let count = max(1, threads ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        var handles: [Handle] = []
        for index in 0..<count {
            let worker = try Worker(
                index: index, recordsAccess: recordsAccess, logger: logger)
            let mailbox = worker.mailbox
            let accessLog = worker.accessLog
            let gauges = worker.gauges
            do throws(EngineError) {
                let thread = try WorkerThread.start(worker)
                handles.append(Handle(mailbox: mailbox, accessLog: accessLog, gauges: gauges, thread: thread))
            } catch {
                for handle in handles {
                    handle.mailbox.send(.exit)
                    handle.thread.join()
                }
                throw error
            }
        }
        self.handles = handles
        self.logger = logger
    }

    /// Publishes a routing table. Listeners the table needs and the engine does not have yet are bound first, on
    /// every thread; if any cannot be bound, nothing changes (the sockets bound so far are closed) and the error
    /// names the address. Listeners no longer needed are closed by their threads.
    public func apply(_ table: RoutingTable) throws(EngineError) {
        try self.state.withLock { state throws(EngineError) in
            guard state.accepting, !state.stopped else {
                state.routing = table
                for handle in self.handles { handle.mailbox.send(.apply(table, listeners: [:])) }
                return
            }
            var fresh: [ListenerKey: (endpoint: IPEndpoint, sockets: [Int32])] = [:]
            do throws(EngineError) {
                for key in table.listeners.keys.sorted(by: { $0.description < $1.description })
                where state.listeners[key] == nil {
                    fresh[key] = try self.bind(key)
                }
            } catch {
                for (_, bound) in fresh { bound.sockets.forEach { _ = close($0) } }
                throw error
            }
            var next: [ListenerKey: (endpoint: IPEndpoint, sockets: [Int32])] = [:]
            for key in table.listeners.keys { next[key] = state.listeners[key] ?? fresh[key] }
            state.listeners = next
            state.routing = table
            for (index, handle) in self.handles.enumerated() {
                var sockets: [ListenerKey: Int32] = [:]
                for (key, bound) in next { sockets[key] = bound.sockets[index] }
                handle.mailbox.send(.apply(table, listeners: sockets))
            }
        }
    }

    /// One socket per thread for `key`. With port 0 the first bind picks the port and the others join it.
    private func bind(_ key: ListenerKey) throws(EngineError) -> (endpoint: IPEndpoint, sockets: [Int32]) {
        var sockets: [Int32] = []
        var endpoint = key.endpoint
        do throws(EngineError) {
            for _ in self.handles {
                let fd = try Sockets.listen(on: endpoint, transport: key.transport)
                sockets.append(fd)
                if endpoint.port == 0, let actual = Sockets.localEndpoint(of: fd) { endpoint.port = actual.port }
            }
        } catch {
            sockets.forEach { _ = close($0) }
            throw error.with(transport: key.transport)
        }
        return (endpoint, sockets)
    }

    /// The address each listener is actually bound to (a port 0 in the table shows the port the kernel chose).
    public var boundListeners: [ListenerKey: IPEndpoint] {
        self.state.withLock { state in state.listeners.mapValues { $0.endpoint } }
    }

    /// The routing table last published.
    public var routing: RoutingTable { self.state.withLock { $0.routing } }

    /// Closes every listening socket: from now on new clients are refused. Open connections continue.
    public func stopAccepting() {
        self.state.withLock { state in
            state.accepting = false
            state.listeners = [:]
        }
        for handle in self.handles { handle.mailbox.send(.stopAccepting) }
    }

    /// Closes every open connection and UDP session (the end of a shutdown grace period).
    public func closeAllConnections() {
        for handle in self.handles { handle.mailbox.send(.closeAll) }
    }

    /// Waits until every thread has handled the commands sent before this call (e.g. listeners are closed).
    public func synchronize() async {
        let remaining = Atomic<Int>(self.handles.count)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resume = ContinuationBox(continuation)
            for handle in self.handles {
                handle.mailbox.send(.barrier({
                    if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { resume.resume() }
                }))
            }
        }
    }

    /// Stops every thread and releases every socket. The engine cannot be used afterwards.
    public func shutdown() {
        let first = self.state.withLock { state in
            defer { state.stopped = true }
            return !state.stopped
        }
        guard first else { return }
        for handle in self.handles { handle.mailbox.send(.exit) }
        for handle in self.handles { handle.thread.join() }
    }

    /// Hands every finished connection's record, oldest first per thread, to `body`. Call it from one place only
    /// (the access-log writer).
    public func drainAccessLog(_ body: (AccessRecord) -> Void) {
        for handle in self.handles { handle.accessLog.drain(body) }
    }

    /// Open TCP connections and UDP sessions over all threads, including those of services no longer configured.
    public var openFlows: Int { self.handles.reduce(0) { $0 + $1.gauges.openFlows.load(ordering: .relaxed) } }

    /// Access-log records dropped because the writer fell behind.
    public var droppedAccessRecords: Int { self.handles.reduce(0) { $0 + $1.accessLog.dropped } }
}

/// Lets the last worker's barrier resume the waiting task exactly once.
private final class ContinuationBox: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, Never>?>
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = Mutex(continuation) }
    func resume() { self.continuation.withLock { $0.take() }?.resume() }
}
