import FulcrumNet

// PROXY protocol lands with its own issue; until then the configuration rejects `proxy_protocol` and
// `accept_proxy_protocol`, so neither path below is reached.
extension Worker {
    func readProxyHeader(slot: Int) {
        self.finish(slot: slot, reason: .rejected(.proxyProtocol))
    }
}

enum ProxyHeaderWriter {
    static func write(
        mode: ProxyHeaderMode, source: IPEndpoint, destination: IPEndpoint, into buffer: UnsafeMutableRawBufferPointer
    ) -> Int { 0 }
}
