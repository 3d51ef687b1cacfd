import FulcrumNet
import Glibc
import NIOPosix

/// Turns the host name of an etcd value (`db1.internal:5432`) into the address connections go to.
///
/// getaddrinfo blocks (it may wait seconds for a DNS server), so it runs on NIO's thread pool for blocking work,
/// never on the calling task's executor: a detached task would still block one of the cooperative pool's threads,
/// which are as few as the machine's cores. The first IPv4 answer is taken, else the first IPv6 one, the rule
/// FulcrumConfig's `SystemHostResolver` applies to configured backends, so that one host name gives the same
/// endpoint wherever it is written. (That resolver lives in FulcrumConfig, which this module may not import;
/// the two belong in one place below both.)
struct HostNameLookup: Sendable {
    var resolve: @Sendable (_ host: String, _ port: UInt16) async -> Result<IPEndpoint, HostNameLookupFailure>

    static let system = HostNameLookup { host, port in
        do {
            return try await NIOThreadPool.singleton.runIfActive { Self.getaddrinfo(host: host, port: port) }
        } catch {
            return .failure(HostNameLookupFailure(reason: "no thread to resolve it on (\(error))"))
        }
    }

    private static func getaddrinfo(host: String, port: UInt16) -> Result<IPEndpoint, HostNameLookupFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = Glibc.getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            return .failure(HostNameLookupFailure(reason: reason))
        }
        defer { freeaddrinfo(first) }
        var firstIPv6: IPAddress?
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = current.pointee.ai_addr {
                switch current.pointee.ai_family {
                case AF_INET:
                    let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        IPAddress.v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
                    }
                    return .success(IPEndpoint(address: ipv4, port: port))
                case AF_INET6 where firstIPv6 == nil:
                    firstIPv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(networkBytes: $0) }
                    }
                default:
                    break
                }
            }
            entry = current.pointee.ai_next
        }
        guard let firstIPv6 else { return .failure(HostNameLookupFailure(reason: "no IPv4 or IPv6 address")) }
        return .success(IPEndpoint(address: firstIPv6, port: port))
    }
}

/// Why a host name gave no address, as a phrase.
struct HostNameLookupFailure: Error, Sendable, Hashable {
    var reason: String
}
