import CFulcrumSys
import FulcrumBalancing
import FulcrumNet
import Glibc
import Logging
import Synchronization

extension Worker {
    /// Most actions one direction performs per event before yielding to other connections (a bulk stream would
    /// otherwise keep the thread for as long as data keeps arriving).
    static let relayBudget = 32

    /// Readiness on a client socket.
    func clientEvent(slot: Int, events: UInt32) {
        let connection = self.connections + slot
        if events & (FULCRUM_EPOLLIN | FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
            connection.pointee.upstream.sourceReadable = true
        }
        if events & (FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
            connection.pointee.upstream.sourceHungUp = true
        }
        if events & (FULCRUM_EPOLLOUT | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
            connection.pointee.downstream.destinationWritable = true
        }
        switch connection.pointee.phase {
        case .awaitingProxyHeader:
            if events & (FULCRUM_EPOLLIN | FULCRUM_EPOLLRDHUP | FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
                self.readProxyHeader(slot: slot)
            }
        case .connecting:
            // Bytes (even a FIN) wait in the socket until the backend is there. A client that is gone altogether
            // (reset, or hung up both ways) ends the attempt now: nobody is left to serve.
            if events & (FULCRUM_EPOLLHUP | FULCRUM_EPOLLERR) != 0 {
                connection.pointee.clientGone = true
                self.finish(slot: slot, reason: .reset)
            }
        case .relaying:
            self.relay(slot: slot)
        case .free:
            return
        }
    }

    /// Moves bytes both ways as far as readiness allows; closes the connection when both directions are done or a
    /// side failed.
    func relay(slot: Int) {
        let connection = self.connections + slot
        guard let backend = connection.pointee.backend else { return }
        let clientFD = connection.pointee.clientFD
        let backendFD = connection.pointee.backendFD
        let receivedBefore = connection.pointee.upstream.bytesRead
        let sentBefore = connection.pointee.downstream.bytesWritten

        let upstream = self.pump(
            &connection.pointee.upstream, pipe: &connection.pointee.upstreamPipe, from: clientFD, to: backendFD,
            reverseFinished: connection.pointee.downstream.isFinished)
        let downstream =
            upstream == .failed
            ? .failed
            : self.pump(
                &connection.pointee.downstream, pipe: &connection.pointee.downstreamPipe, from: backendFD,
                to: clientFD, reverseFinished: upstream == .finished)

        let received = connection.pointee.upstream.bytesRead &- receivedBefore
        let sent = connection.pointee.downstream.bytesWritten &- sentBefore
        if received > 0 { backend.stats.received(Int(received)) }
        if sent > 0 { backend.stats.sent(Int(sent)) }
        if received > 0 || sent > 0 { connection.pointee.lastActivity = self.now }

        if upstream == .failed || downstream == .failed {
            self.finish(slot: slot, reason: .reset)
        } else if upstream == .finished && downstream == .finished {
            self.finish(slot: slot, reason: .closed)
        } else if upstream == .yielded || downstream == .yielded {
            self.deferred.append((Int32(slot), connection.pointee.generation))
        }
    }

    enum PumpResult {
        case waiting
        case yielded
        case finished
        case failed
    }

    /// Runs one direction's state machine, performing the system calls its actions name. `reverseFinished` says the
    /// other direction is complete: the connection closes as soon as this one is too.
    private func pump(
        _ direction: inout RelayDirection, pipe: inout PipePair, from source: Int32, to destination: Int32,
        reverseFinished: Bool
    ) -> PumpResult {
        for _ in 0..<Worker.relayBudget {
            switch direction.nextAction() {
            case .wait:
                return .waiting
            case .finished:
                return .finished
            case .drainPipe:
                let moved = fulcrum_splice(pipe.readEnd, destination, direction.pipeBytes)
                if moved > 0 {
                    direction.record(.drained(moved))
                } else if moved < 0 && (errno == EAGAIN || errno == EINTR) {
                    if errno == EAGAIN { direction.record(.drainBlocked) }
                } else {
                    return .failed
                }
            case .fillPipe:
                if !pipe.isValid {
                    guard let taken = self.pipes.take() else {
                        direction.abandonBulk()
                        continue
                    }
                    pipe = taken
                }
                let moved = fulcrum_splice(source, pipe.writeEnd, PipePool.pipeSize)
                if moved > 0 {
                    direction.record(.filled(moved))
                } else if moved == 0 {
                    direction.record(.sourceEnded)
                } else if errno == EAGAIN {
                    direction.record(.sourceDrained)
                } else if errno != EINTR {
                    return .failed
                }
            case .copy:
                let count = read(source, self.buffer, Worker.bufferSize)
                if count == 0 {
                    direction.record(.sourceEnded)
                    continue
                }
                if count < 0 {
                    if errno == EAGAIN { direction.record(.sourceDrained); continue }
                    if errno == EINTR { continue }
                    return .failed
                }
                var written = fulcrum_send(destination, self.buffer, count)
                if written < 0 {
                    guard errno == EAGAIN else { return .failed }
                    written = 0
                }
                if written < count {
                    guard self.fillStash(&pipe, from: self.buffer + written, count: count - written) else {
                        return .failed
                    }
                }
                direction.record(.copied(read: count, written: written, capacity: Worker.bufferSize))
            case .shutdownDestination:
                // With the other direction complete, the connection is closed right after this, and close sends the
                // same FIN (the destination is that direction's source, read to its end, so no unread byte turns it
                // into a reset): one system call fewer per connection. ENOTCONN means the peer is already gone.
                if !reverseFinished { _ = shutdown(destination, Int32(SHUT_WR)) }
                direction.record(.destinationShutDown)
            case .releasePipe:
                self.pipes.give(pipe, empty: true)
                pipe = .none
                direction.record(.pipeReleased)
            }
        }
        return .yielded
    }

    /// Writes bytes the destination did not take into the direction's pipe (taking one if needed). The pipe is empty
    /// whenever this happens and holds more than one copy buffer, so the write is whole.
    private func fillStash(_ pipe: inout PipePair, from bytes: UnsafeRawPointer, count: Int) -> Bool {
        if !pipe.isValid {
            guard let taken = self.pipes.take() else { return false }
            pipe = taken
        }
        return write(pipe.writeEnd, bytes, count) == count
    }

    /// Stashes bytes in the upstream (or downstream) pipe outside of a copy (the PROXY header).
    func stash(slot: Int, upstream: Bool, from bytes: UnsafeRawPointer, count: Int) -> Bool {
        let connection = self.connections + slot
        if upstream {
            guard self.fillStash(&connection.pointee.upstreamPipe, from: bytes, count: count) else { return false }
            connection.pointee.upstream.record(.stashed(count))
        } else {
            guard self.fillStash(&connection.pointee.downstreamPipe, from: bytes, count: count) else { return false }
            connection.pointee.downstream.record(.stashed(count))
        }
        return true
    }

    // MARK: - Timers

    func timerFired(_ slot: Int) {
        let connection = self.connections + slot
        switch connection.pointee.phase {
        case .free:
            return
        case .awaitingProxyHeader:
            self.finish(slot: slot, reason: .rejected(.proxyProtocol))
        case .connecting:
            self.connectTimedOut(slot: slot)
        case .relaying:
            guard let service = connection.pointee.service else { return }
            let deadline = connection.pointee.lastActivity + service.settings.idleTimeout.nanoseconds
            if deadline <= self.now {
                self.finish(slot: slot, reason: .idleTimeout)
            } else {
                self.wheel.schedule(slot, at: deadline)
            }
        }
    }

    // MARK: - Closing

    /// Closes both sockets, returns the pipes, updates the figures and writes the access-log record.
    func finish(slot: Int, reason: EndReason) {
        let connection = self.connections + slot
        guard connection.pointee.phase != .free else { return }
        self.wheel.cancel(slot)
        let service = connection.pointee.service
        let backend = connection.pointee.backend
        if connection.pointee.backendFD >= 0 {
            close(connection.pointee.backendFD)
            backend?.stats.attemptEnded()
        }
        if connection.pointee.clientFD >= 0 { close(connection.pointee.clientFD) }
        self.pipes.give(connection.pointee.upstreamPipe, empty: connection.pointee.upstream.pipeBytes == 0)
        self.pipes.give(connection.pointee.downstreamPipe, empty: connection.pointee.downstream.pipeBytes == 0)
        if let service {
            service.stats.connectionClosed()
            if case .rejected(let rejection) = reason { service.stats.reject(rejection) }
            if let sourceSlot = connection.pointee.sourceSlot { service.sources.release(sourceSlot) }
            self.record(AccessRecord(
                service: service.name, transport: .tcp, client: connection.pointee.client,
                backend: connection.pointee.backendFD >= 0 ? backend?.address : nil,
                bytesIn: connection.pointee.upstream.bytesRead, bytesOut: connection.pointee.downstream.bytesWritten,
                startedAtNanoseconds: connection.pointee.acceptedAtWall,
                durationNanoseconds: self.now &- connection.pointee.acceptedAt, end: reason))
        }
        let generation = connection.pointee.generation &+ 1
        connection.pointee = TCPConnection()
        connection.pointee.generation = generation
        self.freeSlots.append(Int32(slot))
        self.liveConnections -= 1
        self.gauges.openFlows.subtract(1, ordering: .relaxed)
    }

    func closeAllConnections(reason: EndReason) {
        for slot in 0..<self.connectionCapacity where self.connections[slot].phase != .free {
            self.finish(slot: slot, reason: reason)
        }
    }
}
