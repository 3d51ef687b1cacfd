import CFulcrumSys
import FulcrumBalancing
import FulcrumNet
import Glibc
import Logging
import Synchronization

extension Worker {
    /// Most connections accepted per readiness event, so that one busy listener cannot starve relays.
    static let acceptBatch = 64

    /// Accepts waiting connections on a (level-triggered) listener.
    func acceptConnections(listenerIndex: Int) {
        guard let listener = self.listeners[listenerIndex] else { return }
        var storage = sockaddr_storage()
        var length = socklen_t(0)
        for _ in 0..<Worker.acceptBatch {
            let fd = fulcrum_accept(listener.fd, &storage, &length)
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO, EPERM:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    self.pauseAccepting(errno: errno)
                    return
                default:
                    self.logger.debug("accept on \(listener.key) failed: \(EngineError.text(errno))")
                    return
                }
            }
            guard let client = withUnsafePointer(to: &storage, { IPEndpoint(socketAddress: $0) }),
                listener.serviceIndex < self.routing.services.count
            else {
                close(fd)
                continue
            }
            let service = self.routing.services[listener.serviceIndex]
            var local = listener.local
            if local.isWildcard { local = Sockets.localEndpoint(of: fd) ?? local }
            self.accepted(fd: fd, client: client, local: local, service: service)
        }
    }

    private func accepted(fd: Int32, client: IPEndpoint, local: IPEndpoint, service: ServiceRoute) {
        let settings = service.settings
        // The service-wide cap first: it is the cheapest check and protects everything behind it.
        if let limit = settings.maxConnections, service.stats.activeConnections >= limit {
            self.refuse(fd: fd, client: client, service: service, reason: .maxConnections)
            return
        }
        // TCP_NODELAY came with the socket: it is inherited from the listener (Sockets.listen).
        guard let slot = self.allocateSlot() else {
            self.logger.warning("connection table cannot grow: closing a new connection from \(client)")
            close(fd)
            return
        }
        let connection = self.connections + slot
        connection.pointee.phase = settings.acceptProxyHeader ? .awaitingProxyHeader : .connecting
        connection.pointee.clientFD = fd
        connection.pointee.service = service
        connection.pointee.client = client
        connection.pointee.local = local
        connection.pointee.acceptedAt = self.now
        connection.pointee.acceptedAtWall = self.recordsAccess ? fulcrum_realtime_ns() : 0
        connection.pointee.lastActivity = self.now
        self.liveConnections += 1
        self.gauges.openFlows.add(1, ordering: .relaxed)
        service.stats.connectionOpened()

        let tag = EventTag(.client, index: slot, generation: connection.pointee.generation)
        let mask = FULCRUM_EPOLLIN | FULCRUM_EPOLLOUT | FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLET
        guard fulcrum_epoll_ctl(self.epoll, FULCRUM_EPOLL_CTL_ADD, fd, mask, tag.rawValue) == 0 else {
            self.finish(slot: slot, reason: .resourceExhausted)
            return
        }
        if settings.acceptProxyHeader {
            // The header must be complete within connect_timeout (SPEC §7).
            self.wheel.schedule(slot, at: self.now + settings.connectTimeout.nanoseconds)
            return
        }
        self.admit(slot: slot)
    }

    /// The checks that need the client's address (ACL, per-source cap), then the first backend choice.
    func admit(slot: Int) {
        let connection = self.connections + slot
        guard let service = connection.pointee.service else { return }
        let settings = service.settings
        let address = connection.pointee.client.address
        if let allow = settings.allow, !allow.contains(address) {
            self.finish(slot: slot, reason: .rejected(.acl))
            return
        }
        if !settings.deny.isEmpty, settings.deny.contains(address) {
            self.finish(slot: slot, reason: .rejected(.acl))
            return
        }
        if let limit = settings.maxConnectionsPerSource {
            guard let sourceSlot = service.sources.acquire(address, limit: limit) else {
                self.finish(slot: slot, reason: .rejected(.maxConnectionsPerSource))
                return
            }
            connection.pointee.sourceSlot = sourceSlot
        }
        connection.pointee.phase = .connecting
        self.connectBackend(slot: slot)
    }

    /// Closes a connection refused before it took a slot, and accounts for it.
    private func refuse(fd: Int32, client: IPEndpoint, service: ServiceRoute, reason: RejectReason) {
        close(fd)
        service.stats.reject(reason)
        let wall = fulcrum_realtime_ns()
        self.record(AccessRecord(
            service: service.name, transport: .tcp, client: client, backend: nil, bytesIn: 0, bytesOut: 0,
            startedAtNanoseconds: wall, durationNanoseconds: 0, end: .rejected(reason)))
    }

    // MARK: - Connection table

    func allocateSlot() -> Int? {
        if self.freeSlots.isEmpty {
            // Grow by doubling: amortized, and never on the per-connection path once the table has its size.
            let newCapacity = self.connectionCapacity * 2
            guard newCapacity <= Int(Int32.max) else { return nil }
            let grown = UnsafeMutablePointer<TCPConnection>.allocate(capacity: newCapacity)
            grown.moveInitialize(from: self.connections, count: self.connectionCapacity)
            (grown + self.connectionCapacity).initialize(
                repeating: TCPConnection(), count: newCapacity - self.connectionCapacity)
            self.connections.deallocate()
            self.connections = grown
            self.freeSlots.append(contentsOf: (Int32(self.connectionCapacity)..<Int32(newCapacity)).reversed())
            self.connectionCapacity = newCapacity
            self.wheel.reserve(newCapacity)
        }
        return self.freeSlots.popLast().map { Int($0) }
    }
}

extension Duration {
    /// Whole nanoseconds (durations here are configuration values, far below the overflow range).
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = self.components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
