import FulcrumNet
import NIOPosix

/// Turns the host name of an etcd value (`db1.internal:5432`) into the address connections go to.
///
/// getaddrinfo blocks (it may wait seconds for a DNS server), so it runs on NIO's thread pool for blocking work,
/// never on the calling task's executor: a detached task would still block one of the cooperative pool's threads,
/// which are as few as the machine's cores. It is `SystemHostResolver`, the resolver of configured backends, so
/// that one host name gives the same endpoint wherever it is written.
struct HostNameLookup: Sendable {
    var resolve: @Sendable (_ host: String, _ port: UInt16) async -> Result<IPEndpoint, HostNameLookupFailure>

    static let system = HostNameLookup { host, port in
        do {
            return try await NIOThreadPool.singleton.runIfActive {
                SystemHostResolver().resolve(host: host, port: port).mapError { HostNameLookupFailure(reason: $0.message) }
            }
        } catch {
            return .failure(HostNameLookupFailure(reason: "no thread to resolve it on (\(error))"))
        }
    }
}

/// Why a host name gave no address, as a phrase.
struct HostNameLookupFailure: Error, Sendable, Hashable {
    var reason: String
}
