import FulcrumNet

/// Identifies one checked backend: health is per service, because each service has its own health_check
/// (the same address in two services is checked twice, with each service's settings).
public struct HealthTargetKey: Hashable, Sendable, CustomStringConvertible {
    /// The service name.
    public var service: String
    /// The backend's address string as configured (or POSTed): the `backend` label and admin API address.
    public var backend: String

    public init(service: String, backend: String) {
        self.service = service
        self.backend = backend
    }

    /// `service/backend`.
    public var description: String { "\(self.service)/\(self.backend)" }
}

/// A service's `health_check` as the monitor needs it (SPEC §2), already validated.
public struct HealthCheckSpec: Sendable, Hashable {
    /// How a probe talks to the backend: the service's protocol.
    public enum Transport: Sendable, Hashable {
        /// Connect; then optionally send `send` and wait for `expect`.
        case tcp
        /// A connected datagram socket sends `send`; with `expect` the first reply must contain it, without it only
        /// an ICMP error (refused) or a send error within `timeout` fails the check.
        case udp
    }

    public var transport: Transport
    /// Time from the start of one probe to the start of the next (±10 % jitter); a probe that takes longer is
    /// followed at once by the next (SPEC §8.5: the probes of one backend never overlap).
    public var interval: Duration
    /// The whole probe (connect, send, reply) must finish within this; it may be longer than `interval`.
    public var timeout: Duration
    /// Consecutive passes that mark a `down` backend `up`.
    public var rise: Int
    /// Consecutive failures that mark a backend `down`.
    public var fall: Int
    /// Probe this port instead of the backend's.
    public var port: UInt16?
    /// Bytes sent after connect (TCP) or as the datagram (UDP; nil sends an empty datagram).
    public var send: [UInt8]?
    /// The reply must contain these bytes (TCP: within the first 16 KiB; UDP: in the first datagram).
    public var expect: [UInt8]?
    /// Prefix the probe's payload with a PROXY v2 `LOCAL` header (HAProxy's `check-send-proxy`): set it when the
    /// service sends PROXY protocol to its backends, whose servers then insist on a header. Sent only by probes
    /// that exchange data (TCP with `send` or `expect`, every UDP probe); a bare connect check sends nothing.
    public var sendProxyV2Local: Bool

    public init(
        transport: Transport = .tcp,
        interval: Duration = .seconds(2),
        timeout: Duration = .seconds(1),
        rise: Int = 2,
        fall: Int = 3,
        port: UInt16? = nil,
        send: [UInt8]? = nil,
        expect: [UInt8]? = nil,
        sendProxyV2Local: Bool = false
    ) {
        self.transport = transport
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
        self.fall = fall
        self.port = port
        self.send = send
        self.expect = expect
        self.sendProxyV2Local = sendProxyV2Local
    }
}

/// One backend to watch. `check == nil` means passive ejection only (a service without health_check).
public struct HealthTarget: Sendable, Hashable {
    public var key: HealthTargetKey
    /// The backend's resolved address.
    public var endpoint: IPEndpoint
    public var check: HealthCheckSpec?

    public init(key: HealthTargetKey, endpoint: IPEndpoint, check: HealthCheckSpec?) {
        self.key = key
        self.endpoint = endpoint
        self.check = check
    }
}

/// A backend's health changed: what `HealthMonitor` passes to its `onChange` callback.
public struct HealthChange: Sendable, Hashable, CustomStringConvertible {
    public var key: HealthTargetKey
    public var from: BackendHealth
    public var to: BackendHealth
    public var reason: HealthTransitionReason

    public init(key: HealthTargetKey, from: BackendHealth, to: BackendHealth, reason: HealthTransitionReason) {
        self.key = key
        self.from = from
        self.to = to
        self.reason = reason
    }

    /// `web/10.0.0.1:80: up -> down (connect refused)`.
    public var description: String { "\(self.key): \(self.from) -> \(self.to) (\(self.reason))" }
}
