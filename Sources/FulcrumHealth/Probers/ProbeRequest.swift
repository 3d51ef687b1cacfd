import FulcrumNet

/// Everything one probe needs: where, how long, and what to exchange.
public struct ProbeRequest: Sendable, Hashable {
    /// The address probed (the backend's, or its `port` override applied).
    public var endpoint: IPEndpoint
    /// The whole probe must finish within this.
    public var timeout: Duration
    /// Sent after connect (TCP) or as the datagram (UDP).
    public var send: [UInt8]?
    /// The reply must contain this.
    public var expect: [UInt8]?
    /// Prefix the payload with a PROXY v2 LOCAL header.
    public var proxyV2Local: Bool

    public init(
        endpoint: IPEndpoint,
        timeout: Duration,
        send: [UInt8]? = nil,
        expect: [UInt8]? = nil,
        proxyV2Local: Bool = false
    ) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.send = send
        self.expect = expect
        self.proxyV2Local = proxyV2Local
    }

    /// The probe a health_check asks for against `backend` (applies the `port` override).
    public init(check: HealthCheckSpec, backend: IPEndpoint) {
        self.init(
            endpoint: IPEndpoint(address: backend.address, port: check.port ?? backend.port),
            timeout: check.timeout,
            send: check.send,
            expect: check.expect,
            proxyV2Local: check.sendProxyV2Local
        )
    }

    /// TCP: the bytes written after connect, PROXY header first; empty for a bare connect check.
    var tcpPayload: [UInt8] {
        guard self.send != nil || self.expect != nil else { return [] }
        return (self.proxyV2Local ? ProxyV2LocalHeader.bytes : []) + (self.send ?? [])
    }

    /// UDP: the datagram sent, PROXY header first.
    var udpPayload: [UInt8] {
        (self.proxyV2Local ? ProxyV2LocalHeader.bytes : []) + (self.send ?? [])
    }
}
