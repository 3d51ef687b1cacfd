import FulcrumNet

/// One backend a registry names for a service: what discovery hands the control plane.
public struct DiscoveredBackend: Sendable, Hashable, CustomStringConvertible {
    /// The backend's identity in the API, metrics, logs and hashing: for DNS the resolved `IP:port` (`[IPv6]:port`),
    /// for etcd the address text of the key's value as written there.
    public var address: String
    /// Where connections go.
    public var endpoint: IPEndpoint
    /// 0...10000, as a configured backend's `weight`.
    public var weight: Int

    public init(address: String, endpoint: IPEndpoint, weight: Int = 1) {
        self.address = address
        self.endpoint = endpoint
        self.weight = weight
    }

    public var description: String { self.weight == 1 ? self.address : "\(self.address) (weight \(self.weight))" }
}

/// Which kind of registry a service follows; the raw value is the `source` label and the API's `origin`.
public enum DiscoveryKind: String, Sendable, Hashable {
    case dns
    case etcd
}
