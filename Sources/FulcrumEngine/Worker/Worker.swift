import CFulcrumSys
import FulcrumBalancing
import FulcrumNet
import Glibc
import Logging
import Synchronization

/// A command from the control plane to one engine thread, delivered through its mailbox and eventfd.
enum WorkerCommand: Sendable {
    /// Switch to a new routing table; `listeners` gives this thread's socket for every listener of the table.
    case apply(RoutingTable, listeners: [ListenerKey: Int32])
    /// Close every listening socket (shutdown: new clients are refused from now on).
    case stopAccepting
    /// Close every open connection and session (end of the shutdown grace period).
    case closeAll
    /// Leave the event loop; the thread releases everything it owns.
    case exit
    /// Run `done` once every earlier command has been handled.
    case barrier(@Sendable () -> Void)
}

/// Where the control plane drops commands for one engine thread. The lock is taken once per command (a reload, a
/// drain), never per connection; the eventfd wakes the thread from `epoll_wait`.
final class WorkerMailbox: Sendable {
    let wakeFD: Int32
    private let pending = Mutex<[WorkerCommand]>([])

    init() throws(EngineError) {
        let fd = fulcrum_eventfd()
        guard fd >= 0 else { throw .resource("an eventfd", errno: errno) }
        self.wakeFD = fd
    }

    deinit { close(self.wakeFD) }

    func send(_ command: WorkerCommand) {
        self.pending.withLock { $0.append(command) }
        _ = fulcrum_eventfd_signal(self.wakeFD)
    }

    func take() -> [WorkerCommand] {
        self.pending.withLock { commands in
            defer { commands.removeAll(keepingCapacity: true) }
            return commands
        }
    }
}

/// Figures of one engine thread that the control plane reads.
final class WorkerGauges: Sendable {
    /// Open TCP connections and UDP sessions (graceful shutdown waits for this to reach zero).
    let openFlows = Atomic<Int>(0)
}

/// A listening socket owned by one engine thread.
struct WorkerListener {
    var key: ListenerKey
    var fd: Int32
    /// The address the socket is bound to (the port resolved when the key says 0).
    var local: IPEndpoint
    var serviceIndex: Int
    var generation: UInt32
    /// Registered with epoll (false while accepting is paused for lack of descriptors).
    var registered: Bool
    /// A UDP listener no longer in the routing table (or shutting down) that still carries the replies of its open
    /// sessions; it starts no new session and is closed with its last one.
    var retiring = false
}

/// One engine thread: its own epoll instance, listening sockets, connection table, timing wheel, pipe pool and copy
/// buffer. Both sockets of a connection belong to one thread, so nothing on the connection path is shared except
/// the relaxed atomic counters in the routing table's stats.
final class Worker {
    let index: Int
    let epoll: Int32
    let mailbox: WorkerMailbox
    let accessLog: AccessLogRing
    let gauges = WorkerGauges()
    /// Whether finished connections are recorded for the access log.
    let recordsAccess: Bool
    var logger: Logger

    var routing = RoutingTable.empty
    var listeners: [WorkerListener?] = []
    var listenerGenerations: UInt32 = 0
    var accepting = true
    var running = true
    /// Accepting is paused until this time after running out of descriptors.
    var acceptPausedUntil: UInt64?
    var lastDescriptorWarning: UInt64 = 0

    var connections: UnsafeMutablePointer<TCPConnection>
    var connectionCapacity: Int
    var freeSlots: [Int32] = []
    var liveConnections = 0
    var wheel: TimingWheel
    var pipes = PipePool()
    /// The copy buffer shared by every connection of this thread (small exchanges are read and written at once).
    let buffer: UnsafeMutableRawPointer
    static let bufferSize = 16384
    /// Connections whose relay stopped at its per-event budget and must continue after other events.
    var deferred: [(slot: Int32, generation: UInt32)] = []
    let events: UnsafeMutablePointer<fulcrum_event>
    static let eventBatch = 256
    /// Monotonic time of the current loop iteration.
    var now: UInt64
    /// This thread's random numbers for picks: per thread, so no shared state.
    var random: SplitMix64

    /// UDP state of this thread (flow table, batch buffers); created with the first UDP listener.
    var datagrams: DatagramWorkerState?

    init(index: Int, recordsAccess: Bool, logger: Logger) throws(EngineError) {
        let epoll = fulcrum_epoll_create()
        guard epoll >= 0 else { throw .resource("an epoll instance", errno: errno) }
        self.index = index
        self.epoll = epoll
        do throws(EngineError) {
            self.mailbox = try WorkerMailbox()
        } catch {
            close(epoll)
            throw error
        }
        self.accessLog = AccessLogRing()
        self.recordsAccess = recordsAccess
        self.logger = logger
        self.logger[metadataKey: "engine_thread"] = "\(index)"
        self.connectionCapacity = 1024
        self.connections = .allocate(capacity: self.connectionCapacity)
        self.connections.initialize(repeating: TCPConnection(), count: self.connectionCapacity)
        self.freeSlots = (0..<Int32(self.connectionCapacity)).reversed()
        self.now = fulcrum_monotonic_ns()
        self.wheel = TimingWheel(now: self.now)
        self.wheel.reserve(self.connectionCapacity)
        self.buffer = .allocate(byteCount: Worker.bufferSize, alignment: 64)
        self.events = .allocate(capacity: Worker.eventBatch)
        self.random = SplitMix64(seed: self.now ^ UInt64(index) &* SplitMix64.increment)
        _ = fulcrum_epoll_ctl(
            epoll, FULCRUM_EPOLL_CTL_ADD, self.mailbox.wakeFD, FULCRUM_EPOLLIN, EventTag(.wake, index: 0).rawValue)
    }

    deinit {
        self.connections.deinitialize(count: self.connectionCapacity)
        self.connections.deallocate()
        self.buffer.deallocate()
        self.events.deallocate()
        close(self.epoll)
    }

    // MARK: - Event loop

    /// Runs until an `exit` command; then closes everything the thread owns.
    func run() {
        while self.running {
            let timeout = self.pollTimeout()
            let count = fulcrum_epoll_wait(self.epoll, self.events, Int32(Worker.eventBatch), timeout)
            self.now = fulcrum_monotonic_ns()
            if count > 0 {
                for position in 0..<Int(count) {
                    let event = self.events[position]
                    guard let tag = EventTag(rawValue: event.data) else { continue }
                    self.dispatch(tag, events: event.events)
                }
            }
            self.runDeferred()
            self.wheel.advance(to: self.now)
            while let slot = self.wheel.popExpired() { self.timerFired(slot) }
            self.advanceDatagramTimers()
            if let resume = self.acceptPausedUntil, resume <= self.now { self.resumeAccepting() }
        }
        self.closeEverything()
    }

    private func pollTimeout() -> Int32 {
        if !self.deferred.isEmpty { return 0 }
        var budget: UInt64? = self.wheel.sleepBudget(now: self.now)
        if let resume = self.acceptPausedUntil {
            let wait = resume > self.now ? resume - self.now : 0
            budget = min(budget ?? wait, wait)
        }
        if let datagramBudget = self.datagrams?.wheel.sleepBudget(now: self.now) {
            budget = min(budget ?? datagramBudget, datagramBudget)
        }
        guard let budget else { return -1 }
        // Round up so that a wake-up never comes before the deadline it waits for.
        return Int32(min((budget + 999_999) / 1_000_000, 1000))
    }

    private func dispatch(_ tag: EventTag, events: UInt32) {
        switch tag.kind {
        case .wake:
            _ = fulcrum_eventfd_drain(self.mailbox.wakeFD)
            for command in self.mailbox.take() { self.execute(command) }
        case .listener:
            guard tag.index < self.listeners.count, let listener = self.listeners[tag.index],
                tag.matches(listener.generation)
            else { return }
            self.acceptConnections(listenerIndex: tag.index)
        case .client, .backend:
            guard tag.index < self.connectionCapacity else { return }
            let connection = self.connections + tag.index
            guard connection.pointee.phase != .free, tag.matches(connection.pointee.generation) else { return }
            if tag.kind == .client {
                self.clientEvent(slot: tag.index, events: events)
            } else {
                self.backendEvent(slot: tag.index, events: events)
            }
        case .datagramListener:
            self.datagramListenerReadable(listenerIndex: tag.index, tag: tag)
        case .datagramSession:
            self.datagramSessionReadable(sessionIndex: tag.index, tag: tag, events: events)
        }
    }

    private func runDeferred() {
        guard !self.deferred.isEmpty else { return }
        let batch = self.deferred
        self.deferred.removeAll(keepingCapacity: true)
        for (slot, generation) in batch {
            let connection = self.connections + Int(slot)
            guard connection.pointee.phase == .relaying, connection.pointee.generation == generation else { continue }
            self.relay(slot: Int(slot))
        }
    }

    /// A value for `PickContext.random` (`SplitMix64.next()` is inlined here: see its note).
    @inline(__always)
    func nextRandom() -> UInt64 {
        self.random.next()
    }

    // MARK: - Commands

    private func execute(_ command: WorkerCommand) {
        switch command {
        case .apply(let table, let sockets):
            self.apply(table, sockets: sockets)
        case .stopAccepting:
            self.accepting = false
            for index in self.listeners.indices { self.removeListener(at: index) }
        case .closeAll:
            self.closeAllConnections(reason: .shutdown)
            self.closeAllDatagramSessions(reason: .shutdown)
        case .exit:
            self.running = false
        case .barrier(let done):
            done()
        }
    }

    /// Switches to a new routing table. Listeners that stay keep their sockets (no connection is refused during a
    /// reload); new ones are registered; removed ones are closed. Open connections keep the service and backend
    /// routes they started with, so a removed backend's connections finish where they are.
    private func apply(_ table: RoutingTable, sockets: [ListenerKey: Int32]) {
        self.routing = table
        guard self.accepting else {
            // Shutting down: the sockets handed over are not needed.
            for (key, fd) in sockets where !self.listeners.contains(where: { $0?.key == key }) { close(fd) }
            return
        }
        for index in self.listeners.indices {
            guard let listener = self.listeners[index], !listener.retiring else { continue }
            if let serviceIndex = table.listeners[listener.key] {
                self.listeners[index]?.serviceIndex = serviceIndex
            } else {
                self.removeListener(at: index)
            }
        }
        for (key, serviceIndex) in table.listeners
        where !self.listeners.contains(where: { $0?.key == key && $0?.retiring == false }) {
            guard let fd = sockets[key] else { continue }
            let local = Sockets.localEndpoint(of: fd) ?? key.endpoint
            self.addListener(WorkerListener(
                key: key, fd: fd, local: local, serviceIndex: serviceIndex, generation: 0, registered: false))
        }
    }

    private func addListener(_ listener: WorkerListener) {
        var listener = listener
        self.listenerGenerations &+= 1
        listener.generation = self.listenerGenerations
        let index = self.listeners.firstIndex(where: { $0 == nil }) ?? self.listeners.count
        if index == self.listeners.count { self.listeners.append(nil) }
        self.listeners[index] = listener
        if listener.key.transport == .udp {
            self.datagramListenerAdded(at: index)
        }
        self.register(listenerAt: index)
    }

    private func register(listenerAt index: Int) {
        guard var listener = self.listeners[index], !listener.registered else { return }
        let kind: EventTag.Kind = listener.key.transport == .tcp ? .listener : .datagramListener
        let tag = EventTag(kind, index: index, generation: listener.generation)
        if fulcrum_epoll_ctl(self.epoll, FULCRUM_EPOLL_CTL_ADD, listener.fd, FULCRUM_EPOLLIN, tag.rawValue) == 0 {
            listener.registered = true
        } else {
            self.logger.error("cannot watch listener \(listener.key): \(EngineError.text(errno))")
        }
        self.listeners[index] = listener
    }

    /// Takes a listener out of service: a TCP listener is closed at once (new clients are refused); a UDP listener
    /// retires until its open sessions end, since their replies leave through it.
    private func removeListener(at index: Int) {
        guard let listener = self.listeners[index] else { return }
        if listener.key.transport == .udp, self.datagramSessionCount(listenerIndex: index) > 0 {
            self.listeners[index]?.retiring = true
            return
        }
        self.closeListener(at: index)
    }

    func closeListener(at index: Int) {
        guard let listener = self.listeners[index] else { return }
        // Closing the descriptor also removes it from the epoll set.
        close(listener.fd)
        self.listeners[index] = nil
    }

    /// Hands a finished connection or session to the access log (unless nothing would log it).
    @inline(__always)
    func record(_ record: @autoclosure () -> AccessRecord) {
        if self.recordsAccess { self.accessLog.append(record()) }
    }

    // MARK: - Descriptor shortage

    /// Out of descriptors (EMFILE/ENFILE): stop watching TCP listeners for a moment instead of spinning on an accept
    /// that cannot succeed, and say so (at most once every 10 s per thread).
    func pauseAccepting(errno code: Int32) {
        guard self.acceptPausedUntil == nil else { return }
        self.acceptPausedUntil = self.now + 100_000_000
        for index in self.listeners.indices {
            guard let listener = self.listeners[index], listener.registered, listener.key.transport == .tcp
            else { continue }
            _ = fulcrum_epoll_ctl(self.epoll, FULCRUM_EPOLL_CTL_DEL, listener.fd, 0, 0)
            self.listeners[index]?.registered = false
        }
        if self.now - self.lastDescriptorWarning > 10_000_000_000 || self.lastDescriptorWarning == 0 {
            self.lastDescriptorWarning = self.now
            self.logger.warning(
                "accepting paused: \(EngineError.text(code)) (open connections: \(self.liveConnections)); retrying every 100ms")
        }
    }

    private func resumeAccepting() {
        self.acceptPausedUntil = nil
        guard self.accepting else { return }
        for index in self.listeners.indices where self.listeners[index]?.registered == false {
            self.register(listenerAt: index)
        }
    }

    // MARK: - Teardown

    private func closeEverything() {
        for index in self.listeners.indices { self.removeListener(at: index) }
        self.closeAllConnections(reason: .shutdown)
        self.closeAllDatagramSessions(reason: .shutdown)
        for index in self.listeners.indices { self.closeListener(at: index) }
        self.pipes.closeAll()
    }
}
