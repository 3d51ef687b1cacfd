import CFulcrumSys
import FulcrumNet
import FulcrumProxyProtocol
import Glibc
import Logging

extension Worker {
    /// Longest header a client may send (a v2 header with the parser's largest TLV block).
    static let maximumProxyHeaderLength = 16 + ProxyHeaderParser.defaultMaximumV2Length

    /// `accept_proxy_protocol`: looks at what the client has sent so far without consuming it (MSG_PEEK), so that
    /// no per-connection buffer is needed however the header is split; once the parser has a verdict, exactly the
    /// header's bytes are consumed and the payload stays in the socket for the relay. A malformed header, or a client
    /// that closes before its header is complete, closes the connection before anything reaches a backend, counted
    /// as a `proxy_protocol` rejection (SPEC §7); a header that does not complete within `connect_timeout` is
    /// rejected by the connection's timer.
    func readProxyHeader(slot: Int) {
        let connection = self.connections + slot
        let fd = connection.pointee.clientFD
        let peeked = fulcrum_peek(fd, self.buffer, min(Worker.bufferSize, Worker.maximumProxyHeaderLength))
        if peeked < 0 {
            if errno == EAGAIN || errno == EINTR { return }
            self.finish(slot: slot, reason: .rejected(.proxyProtocol))
            return
        }
        if peeked == 0 {
            self.finish(slot: slot, reason: .rejected(.proxyProtocol))
            return
        }
        var parser = ProxyHeaderParser()
        switch parser.feed(UnsafeRawBufferPointer(start: self.buffer, count: peeked)) {
        case .needMore:
            // The rest will come with a new readiness edge, unless the client already hung up.
            if connection.pointee.upstream.sourceHungUp {
                self.finish(slot: slot, reason: .rejected(.proxyProtocol))
            } else {
                connection.pointee.upstream.sourceReadable = false
                self.logger.debug(
                    "PROXY header incomplete, waiting for more",
                    metadata: ["client": "\(connection.pointee.client)", "bytes": "\(peeked)"])
            }
        case .invalid:
            self.finish(slot: slot, reason: .rejected(.proxyProtocol))
        case .complete(let header, let consumed):
            guard read(fd, self.buffer, consumed) == consumed else {
                self.finish(slot: slot, reason: .rejected(.proxyProtocol))
                return
            }
            // LOCAL and UNKNOWN carry no addresses: the connection's own are used.
            if let source = header.source { connection.pointee.client = source }
            if let destination = header.destination { connection.pointee.local = destination }
            // Payload already behind the header is read by the relay: no new edge will announce it.
            connection.pointee.upstream.sourceReadable = peeked > consumed || connection.pointee.upstream.sourceHungUp
            self.admit(slot: slot)
        }
    }
}

/// Writes the PROXY protocol header a service sends to its backends.
enum ProxyHeaderWriter {
    /// Encodes the header for a connection from `source` to `destination` into `buffer` (at least
    /// `ProxyHeader.maximumEncodedLength` bytes); returns its length (0 for `.none`).
    static func write(
        mode: ProxyHeaderMode, source: IPEndpoint, destination: IPEndpoint, into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        let version: ProxyHeader.Version
        switch mode {
        case .none: return 0
        case .v1: version = .v1
        case .v2: version = .v2
        }
        return ProxyHeader.proxy(version, transport: .stream, source: source, destination: destination)
            .encode(into: buffer)
    }
}
