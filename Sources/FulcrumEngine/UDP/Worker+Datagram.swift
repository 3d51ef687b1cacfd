import CFulcrumSys
import FulcrumBalancing
import FulcrumNet
import FulcrumProxyProtocol
import Glibc
import Logging
import Synchronization

/// The UDP side of one engine thread: its flows, their sessions, their idle timers and the batch buffers.
///
/// The kernel's SO_REUSEPORT hash on the 4-tuple sends every datagram of a flow to the same listening socket, hence
/// to this thread, so a flow's session lives here and nowhere else: no locks.
final class DatagramWorkerState {
    var sessions: [DatagramSession] = []
    var freeSessions: [Int32] = []
    var flows: [FlowKey: Int] = [:]
    /// Idle timers of the sessions (ids are session indices).
    var wheel: TimingWheel
    let batch = DatagramBatch()
    /// Open sessions per listener index: a listener removed by a reload keeps answering its sessions until the last
    /// one ends.
    var sessionsPerListener: [Int: Int] = [:]

    init(now: UInt64) {
        self.wheel = TimingWheel(now: now)
    }

    deinit { self.batch.deallocate() }
}

extension Worker {
    /// Batches read per readiness event on one socket before yielding to other work.
    static let datagramBatchesPerEvent = 4

    private var datagramState: DatagramWorkerState {
        if let state = self.datagrams { return state }
        let state = DatagramWorkerState(now: self.now)
        self.datagrams = state
        return state
    }

    // MARK: - Listeners

    func datagramListenerAdded(at index: Int) {
        _ = self.datagramState
    }

    /// Datagrams from clients: each goes to its flow's session, created for the flow's first datagram.
    func datagramListenerReadable(listenerIndex: Int, tag: EventTag) {
        guard listenerIndex < self.listeners.count, let listener = self.listeners[listenerIndex],
            tag.matches(listener.generation)
        else { return }
        let state = self.datagramState
        let slots = state.batch.slots
        for _ in 0..<Worker.datagramBatchesPerEvent {
            let received = Int(fulcrum_recv_datagrams(listener.fd, slots, UInt32(DatagramBatch.count)))
            guard received > 0 else { return }
            for index in 0..<received {
                self.forwardFromClient(slot: slots + index, listenerIndex: listenerIndex, listener: listener, state: state)
            }
            if received < DatagramBatch.count { return }
        }
    }

    private func forwardFromClient(
        slot: UnsafeMutablePointer<fulcrum_datagram>, listenerIndex: Int, listener: WorkerListener,
        state: DatagramWorkerState
    ) {
        guard let client = withUnsafePointer(to: &slot.pointee.peer, { IPEndpoint(socketAddress: $0) }) else { return }
        let key = FlowKey(listenerIndex: listenerIndex, client: client)
        let sessionIndex: Int
        if let existing = state.flows[key] {
            sessionIndex = existing
        } else {
            guard !listener.retiring, self.accepting, listener.serviceIndex < self.routing.services.count else { return }
            var local = listener.local
            if slot.pointee.local.ss_family != 0,
                let destination = withUnsafePointer(to: &slot.pointee.local, { IPEndpoint(socketAddress: $0) })
            {
                local.address = destination.address
            }
            let service = self.routing.services[listener.serviceIndex]
            guard let opened = self.openSession(key: key, local: local, service: service, state: state) else { return }
            sessionIndex = opened
        }
        let session = state.sessions[sessionIndex]
        guard let service = session.service, let backend = session.backend else { return }
        let payload = slot.pointee.buffer!
        let length = slot.pointee.length
        var start = payload
        var total = length
        if service.settings.proxyHeader == .v2 {
            // SPEC §7: every datagram to the backend starts with the header (client, and the address it sent to).
            // Encoded on the stack (the encoder wants room for its longest header), then placed in the headroom.
            var header: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            let headerLength = withUnsafeMutableBytes(of: &header) { raw in
                ProxyHeader.proxy(.v2, transport: .datagram, source: session.client, destination: session.local)
                    .encode(into: raw)
            }
            precondition(headerLength <= DatagramBatch.headroom, "a PROXY v2 header longer than the datagram headroom")
            start = payload - headerLength
            withUnsafeBytes(of: &header) { raw in start.copyMemory(from: raw.baseAddress!, byteCount: headerLength) }
            total += headerLength
        }
        let sent = send(session.fd, start, total, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        if sent < 0 {
            if errno == ECONNREFUSED {
                // The backend's port answered an earlier datagram with ICMP port unreachable.
                self.reportDatagramBackendFailure(session: session)
                self.closeSession(sessionIndex, reason: .reset)
            }
            service.stats.datagramDropped()
            return
        }
        state.sessions[sessionIndex].bytesIn += UInt64(length)
        state.sessions[sessionIndex].lastActivity = self.now
        backend.stats.received(length)
    }

    /// Admits a new flow (session cap, ACL, per-source cap), picks its backend and connects a socket to it.
    /// Returns the session index, or `nil` when the datagram is dropped (counted).
    private func openSession(
        key: FlowKey, local: IPEndpoint, service: ServiceRoute, state: DatagramWorkerState
    ) -> Int? {
        let settings = service.settings
        let address = key.client.address
        func refuse(_ reason: RejectReason) -> Int? {
            service.stats.reject(reason)
            service.stats.datagramDropped()
            return nil
        }
        if let limit = settings.maxConnections, service.stats.udpSessionsActive >= limit {
            return refuse(.maxConnections)
        }
        if let allow = settings.allow, !allow.contains(address) { return refuse(.acl) }
        if !settings.deny.isEmpty, settings.deny.contains(address) { return refuse(.acl) }
        var sourceSlot: Int?
        if let limit = settings.maxConnectionsPerSource {
            guard let slot = service.sources.acquire(address, limit: limit) else {
                return refuse(.maxConnectionsPerSource)
            }
            sourceSlot = slot
        }
        var tried = Exclusions()
        var backendIndex: Int?
        var fd: Int32 = -1
        // A connected UDP socket fails only locally (no route, no descriptor); try another backend then.
        for _ in 0...settings.retries {
            guard let member = service.balancer.pick(
                PickContext(client: key.client, random: self.nextRandom()), excluding: tried)
            else { break }
            tried.insert(member)
            fd = Worker.connectedDatagramSocket(to: service.backends[member].endpoint)
            if fd >= 0 {
                backendIndex = member
                break
            }
        }
        guard let backendIndex, fd >= 0 else {
            if let sourceSlot { service.sources.release(sourceSlot) }
            return refuse(.noBackend)
        }
        let backend = service.backends[backendIndex]
        let index: Int
        if let free = state.freeSessions.popLast() {
            index = Int(free)
        } else {
            index = state.sessions.count
            state.sessions.append(DatagramSession())
            state.wheel.reserve(state.sessions.count)
        }
        let generation = state.sessions[index].generation
        let tag = EventTag(.datagramSession, index: index, generation: generation)
        guard fulcrum_epoll_ctl(self.epoll, FULCRUM_EPOLL_CTL_ADD, fd, FULCRUM_EPOLLIN, tag.rawValue) == 0 else {
            close(fd)
            state.freeSessions.append(Int32(index))
            if let sourceSlot { service.sources.release(sourceSlot) }
            service.stats.datagramDropped()
            return nil
        }
        state.sessions[index] = DatagramSession(
            inUse: true, generation: generation, fd: fd, listenerIndex: key.listenerIndex, service: service,
            backend: backend, client: key.client, local: local, sourceSlot: sourceSlot, bytesIn: 0, bytesOut: 0,
            startedAt: self.now, startedAtWall: self.recordsAccess ? fulcrum_realtime_ns() : 0, lastActivity: self.now)
        state.flows[key] = index
        state.sessionsPerListener[key.listenerIndex, default: 0] += 1
        state.wheel.schedule(index, at: self.now + settings.idleTimeout.nanoseconds)
        service.stats.udpSessionOpened()
        service.stats.connectionForwarded()
        backend.stats.attemptStarted()
        backend.stats.connectionEstablished()
        self.gauges.openFlows.add(1, ordering: .relaxed)
        return index
    }

    private static func connectedDatagramSocket(to endpoint: IPEndpoint) -> Int32 {
        let family = endpoint.address.isIPv4 ? AF_INET : AF_INET6
        let fd = socket(
            family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return -1 }
        Sockets.setBufferSizes(fd, bytes: Sockets.datagramSessionBuffer)
        var (storage, length) = endpoint.socketAddress()
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    // MARK: - Replies

    /// Datagrams from a backend: sent back to the client from the address it sent to.
    func datagramSessionReadable(sessionIndex: Int, tag: EventTag, events: UInt32) {
        guard let state = self.datagrams, sessionIndex < state.sessions.count,
            state.sessions[sessionIndex].inUse, tag.matches(state.sessions[sessionIndex].generation)
        else { return }
        guard let listener = self.listeners[state.sessions[sessionIndex].listenerIndex] else {
            // Its replies have no way back to the client (cannot happen: a listener outlives its sessions). Ending
            // the session also stops its level-triggered readiness from firing again and again.
            self.closeSession(sessionIndex, reason: .reset)
            return
        }
        let slots = state.batch.slots
        let (clientAddress, clientLength) = state.sessions[sessionIndex].client.socketAddress()
        let (localAddress, _) = state.sessions[sessionIndex].local.socketAddress()
        for _ in 0..<Worker.datagramBatchesPerEvent {
            let received = Int(fulcrum_recv_connected(state.sessions[sessionIndex].fd, slots, UInt32(DatagramBatch.count)))
            if received < 0 {
                if errno == ECONNREFUSED {
                    self.reportDatagramBackendFailure(session: state.sessions[sessionIndex])
                    self.closeSession(sessionIndex, reason: .reset)
                }
                return
            }
            if received == 0 { return }
            for index in 0..<received {
                slots[index].peer = clientAddress
                slots[index].peer_length = clientLength
                slots[index].local = localAddress
            }
            let sent = Int(fulcrum_send_datagrams(listener.fd, slots, UInt32(received)))
            var delivered = 0
            if sent > 0 { for index in 0..<sent { delivered += slots[index].length } }
            if sent < received { state.sessions[sessionIndex].service?.stats.datagramDropped(received - max(sent, 0)) }
            state.sessions[sessionIndex].bytesOut += UInt64(delivered)
            state.sessions[sessionIndex].lastActivity = self.now
            state.sessions[sessionIndex].backend?.stats.sent(delivered)
            if received < DatagramBatch.count { return }
        }
    }

    /// The backend's port refused (ICMP port unreachable): a failure for passive health checking, like a TCP refusal.
    private func reportDatagramBackendFailure(session: DatagramSession) {
        guard let backend = session.backend else { return }
        backend.stats.connectFailed()
        backend.health?.connectFailed()
    }

    // MARK: - Session end

    func datagramTimerFired(_ sessionIndex: Int) {
        guard let state = self.datagrams, state.sessions[sessionIndex].inUse,
            let service = state.sessions[sessionIndex].service
        else { return }
        let deadline = state.sessions[sessionIndex].lastActivity + service.settings.idleTimeout.nanoseconds
        if deadline <= self.now {
            self.closeSession(sessionIndex, reason: .idleTimeout)
        } else {
            state.wheel.schedule(sessionIndex, at: deadline)
        }
    }

    func closeSession(_ index: Int, reason: EndReason) {
        guard let state = self.datagrams, state.sessions[index].inUse else { return }
        let session = state.sessions[index]
        state.wheel.cancel(index)
        close(session.fd)
        state.flows.removeValue(forKey: FlowKey(listenerIndex: session.listenerIndex, client: session.client))
        if let service = session.service {
            service.stats.udpSessionClosed()
            if let sourceSlot = session.sourceSlot { service.sources.release(sourceSlot) }
            self.record(AccessRecord(
                service: service.name, transport: .udp, client: session.client, backend: session.backend?.address,
                bytesIn: session.bytesIn, bytesOut: session.bytesOut, startedAtNanoseconds: session.startedAtWall,
                durationNanoseconds: self.now &- session.startedAt, end: reason))
        }
        session.backend?.stats.attemptEnded()
        self.gauges.openFlows.subtract(1, ordering: .relaxed)
        state.sessions[index] = DatagramSession(generation: session.generation &+ 1)
        state.freeSessions.append(Int32(index))
        let remaining = (state.sessionsPerListener[session.listenerIndex] ?? 1) - 1
        state.sessionsPerListener[session.listenerIndex] = remaining
        if remaining == 0, let listener = self.listeners[session.listenerIndex], listener.retiring {
            self.closeListener(at: session.listenerIndex)
        }
    }

    func closeAllDatagramSessions(reason: EndReason) {
        guard let state = self.datagrams else { return }
        for index in state.sessions.indices where state.sessions[index].inUse {
            self.closeSession(index, reason: reason)
        }
    }

    /// Open sessions that still answer through the listener at `index`.
    func datagramSessionCount(listenerIndex: Int) -> Int {
        self.datagrams?.sessionsPerListener[listenerIndex] ?? 0
    }

    func advanceDatagramTimers() {
        guard let state = self.datagrams else { return }
        state.wheel.advance(to: self.now)
        while let index = state.wheel.popExpired() { self.datagramTimerFired(index) }
    }
}
