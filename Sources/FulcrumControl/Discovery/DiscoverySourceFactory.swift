import FulcrumConfig
import FulcrumDiscovery
import Logging
import NIOCore

/// Makes the registry client of a service's `discovery` section. Injectable so that tests of the control plane can
/// script a registry; production uses `registries(group:logger:)`.
public struct DiscoverySourceFactory: Sendable {
    public let make: @Sendable (_ service: String, _ source: DiscoveryConfig.Source) -> any DiscoverySource

    public init(make: @escaping @Sendable (_ service: String, _ source: DiscoveryConfig.Source) -> any DiscoverySource) {
        self.make = make
    }

    /// The real clients: DNS on `group` (the control plane's loops), etcd through its JSON gateway.
    public static func registries(group: any EventLoopGroup, logger: Logger) -> DiscoverySourceFactory {
        DiscoverySourceFactory { service, source in
            var logger = logger
            logger[metadataKey: "service"] = "\(service)"
            switch source {
            case .dns(let dns):
                let query: DNSDiscoverySettings.Query =
                    switch dns.query {
                    case .addresses(let name, let port): .addresses(name: name, port: port)
                    case .service(let name): .service(name: name)
                    }
                return DNSDiscoverySource(
                    settings: DNSDiscoverySettings(query: query, resolvers: dns.resolvers, interval: dns.interval),
                    eventLoopGroup: group, logger: logger)
            case .etcd(let etcd):
                return EtcdDiscoverySource(
                    settings: EtcdDiscoverySettings(endpoints: etcd.endpoints, prefix: etcd.prefix))
            }
        }
    }
}
