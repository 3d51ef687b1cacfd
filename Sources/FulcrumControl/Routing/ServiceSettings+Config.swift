import FulcrumConfig
import FulcrumEngine
import FulcrumHealth
import FulcrumNet

extension ServiceSettings {
    /// The data plane's view of a validated service: plain values, no file format.
    init(_ config: ServiceConfig) {
        let proxyHeader: ProxyHeaderMode
        switch config.proxyProtocol {
        case .none: proxyHeader = .none
        case .v1: proxyHeader = .v1
        case .v2: proxyHeader = .v2
        }
        self.init(
            transport: config.protocol == .tcp ? .tcp : .udp,
            connectTimeout: config.connectTimeout,
            idleTimeout: config.idleTimeout,
            retries: config.retries,
            proxyHeader: proxyHeader,
            acceptProxyHeader: config.acceptProxyProtocol,
            maxConnections: config.maxConnections,
            maxConnectionsPerSource: config.maxConnectionsPerSource,
            allow: config.allow.map { CIDRSet($0) },
            deny: CIDRSet(config.deny)
        )
    }
}

extension HealthCheckSpec {
    /// The health checking of a validated service (nil: passive ejection only).
    static func make(for config: ServiceConfig) -> HealthCheckSpec? {
        guard let check = config.healthCheck else { return nil }
        return HealthCheckSpec(
            transport: config.protocol == .tcp ? .tcp : .udp,
            interval: check.interval,
            timeout: check.timeout,
            rise: check.rise,
            fall: check.fall,
            port: check.port,
            send: check.send,
            expect: check.expect,
            // HAProxy's check-send-proxy: a backend that requires PROXY protocol gets a LOCAL header before a payload.
            sendProxyV2Local: config.proxyProtocol != .none
        )
    }
}
