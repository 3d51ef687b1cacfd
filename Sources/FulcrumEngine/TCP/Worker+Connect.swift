import CFulcrumSys
import FulcrumBalancing
import FulcrumNet
import Glibc
import Logging

extension Worker {
    /// Picks a backend that has not failed for this connection and starts a non-blocking connect to it. A backend
    /// that refuses at once is retried here, with no pause, while `retries` allow (SPEC §7).
    func connectBackend(slot: Int) {
        let connection = self.connections + slot
        guard let service = connection.pointee.service else { return }
        while true {
            let context = PickContext(client: connection.pointee.client, random: self.nextRandom())
            guard connection.pointee.attempts <= service.settings.retries,
                let member = service.balancer.pick(context, excluding: connection.pointee.tried)
            else {
                if connection.pointee.attempts == 0 {
                    self.finish(slot: slot, reason: .rejected(.noBackend))
                } else {
                    self.finish(slot: slot, reason: .connectFailed)
                }
                return
            }
            let backend = service.backends[member]
            if connection.pointee.attempts == 0 { service.stats.connectionForwarded() }
            connection.pointee.attempts += 1
            connection.pointee.tried.insert(member)
            connection.pointee.backend = backend
            backend.stats.attemptStarted()
            var (storage, length) = backend.endpoint.socketAddress()
            let family = backend.endpoint.address.isIPv4 ? AF_INET : AF_INET6
            switch Sockets.connect(to: &storage, length: length, family: family) {
            case .started(let fd):
                let tag = EventTag(.backend, index: slot, generation: connection.pointee.generation)
                let mask = FULCRUM_EPOLLIN | FULCRUM_EPOLLOUT | FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLET
                guard fulcrum_epoll_ctl(self.epoll, FULCRUM_EPOLL_CTL_ADD, fd, mask, tag.rawValue) == 0 else {
                    close(fd)
                    self.finish(slot: slot, reason: .resourceExhausted)
                    return
                }
                connection.pointee.backendFD = fd
                connection.pointee.phase = .connecting
                connection.pointee.connectStartedAt = fulcrum_monotonic_ns()
                self.wheel.schedule(slot, at: self.now + service.settings.connectTimeout.nanoseconds)
                return
            case .refused(let code):
                self.connectFailed(slot: slot, errno: code)
            case .noSocket(let code):
                // Our shortage, not the backend's: do not count it against the backend.
                backend.stats.attemptEnded()
                connection.pointee.backend = nil
                if code == EMFILE || code == ENFILE { self.pauseAccepting(errno: code) }
                self.finish(slot: slot, reason: .resourceExhausted)
                return
            }
        }
    }

    /// Accounts for a failed connect on the current backend and releases its socket. The caller retries.
    private func connectFailed(slot: Int, errno code: Int32) {
        let connection = self.connections + slot
        if connection.pointee.backendFD >= 0 {
            close(connection.pointee.backendFD)
            connection.pointee.backendFD = -1
        }
        guard let backend = connection.pointee.backend, let service = connection.pointee.service else { return }
        backend.stats.attemptEnded()
        backend.stats.connectFailed()
        connection.pointee.backend = nil
        self.logger.debug(
            "connect to \(backend.address) failed: \(EngineError.text(code))",
            metadata: ["service": "\(service.name)", "client": "\(connection.pointee.client)"])
        backend.health?.connectFailed()
    }

    /// The connect deadline passed: a failure like a refusal (SPEC §7: connect timeouts count as failures).
    func connectTimedOut(slot: Int) {
        self.connectFailed(slot: slot, errno: ETIMEDOUT)
        self.connectBackend(slot: slot)
    }

    /// Readiness on a backend socket.
    func backendEvent(slot: Int, events: UInt32) {
        let connection = self.connections + slot
        switch connection.pointee.phase {
        case .connecting:
            if events & (FULCRUM_EPOLLERR | FULCRUM_EPOLLHUP) != 0 {
                var code = Sockets.pendingError(connection.pointee.backendFD)
                if code == 0 { code = ECONNRESET }
                self.connectFailed(slot: slot, errno: code)
                self.connectBackend(slot: slot)
            } else if events & FULCRUM_EPOLLOUT != 0 {
                self.connectEstablished(slot: slot, events: events)
            }
        case .relaying:
            if events & (FULCRUM_EPOLLIN | FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
                connection.pointee.downstream.sourceReadable = true
            }
            if events & (FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
                connection.pointee.downstream.sourceHungUp = true
            }
            if events & (FULCRUM_EPOLLOUT | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
                connection.pointee.upstream.destinationWritable = true
            }
            self.relay(slot: slot)
        case .free, .awaitingProxyHeader:
            return
        }
    }

    private func connectEstablished(slot: Int, events: UInt32) {
        let connection = self.connections + slot
        guard let service = connection.pointee.service, let backend = connection.pointee.backend else { return }
        let established = fulcrum_monotonic_ns()
        service.stats.connectDuration.observe(nanoseconds: established &- connection.pointee.connectStartedAt)
        backend.stats.connectionEstablished()
        if backend.stats.connectSucceeded() {
            backend.health?.connectSucceeded()
        }
        connection.pointee.phase = .relaying
        connection.pointee.upstream.destinationWritable = true
        if events & (FULCRUM_EPOLLIN | FULCRUM_EPOLLRDHUP) != 0 {
            connection.pointee.downstream.sourceReadable = true
        }
        if events & FULCRUM_EPOLLRDHUP != 0 { connection.pointee.downstream.sourceHungUp = true }
        if service.settings.proxyHeader != .none, !self.sendProxyHeader(slot: slot, mode: service.settings.proxyHeader) {
            self.finish(slot: slot, reason: .reset)
            return
        }
        connection.pointee.lastActivity = self.now
        self.wheel.schedule(slot, at: self.now + service.settings.idleTimeout.nanoseconds)
        if connection.pointee.clientGone {
            self.finish(slot: slot, reason: .reset)
            return
        }
        self.relay(slot: slot)
    }

    /// Writes the PROXY protocol header before any client byte. A fresh socket's send buffer takes it whole; if it
    /// ever does not, the rest goes into the upstream pipe ahead of the client's bytes.
    private func sendProxyHeader(slot: Int, mode: ProxyHeaderMode) -> Bool {
        let connection = self.connections + slot
        let header = UnsafeMutableRawBufferPointer(start: self.buffer, count: Worker.bufferSize)
        let length = ProxyHeaderWriter.write(
            mode: mode, source: connection.pointee.client, destination: connection.pointee.local, into: header)
        guard length > 0 else { return true }
        let sent = fulcrum_send(connection.pointee.backendFD, self.buffer, length)
        if sent == length { return true }
        let written = sent < 0 ? 0 : sent
        if sent < 0, errno != EAGAIN { return false }
        return self.stash(slot: slot, upstream: true, from: self.buffer + written, count: length - written)
    }
}
