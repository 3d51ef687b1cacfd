import Glibc

/// Why a host name could not be resolved, as a short phrase for the error message.
public struct HostResolutionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { self.message }
}

/// Turns a backend's host name into an address: when the configuration is loaded (and again at every reload), and
/// for host names in a registry's entries. Tests inject a fake; production uses `SystemHostResolver`. The one place
/// in FulcrumNet that leaves the process (getaddrinfo may ask a DNS server): callers keep it off threads that must
/// not block.
public protocol HostResolver: Sendable {
    /// The endpoint for `host` (a DNS name, never an IP literal) and `port`, or why there is none.
    func resolve(host: String, port: UInt16) -> Result<IPEndpoint, HostResolutionError>
}

/// Resolves with `getaddrinfo` (so `/etc/hosts` and the system resolver apply) and takes the first IPv4 answer,
/// else the first IPv6 one: most backends listen on IPv4, and a stable choice keeps hashing stable.
public struct SystemHostResolver: HostResolver {
    public init() {}

    public func resolve(host: String, port: UInt16) -> Result<IPEndpoint, HostResolutionError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            return .failure(HostResolutionError(message: reason))
        }
        defer { freeaddrinfo(first) }
        var firstIPv6: IPAddress?
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let sockaddr = current.pointee.ai_addr {
                switch current.pointee.ai_family {
                case AF_INET:
                    let address = sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        IPAddress.v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
                    }
                    return .success(IPEndpoint(address: address, port: port))
                case AF_INET6 where firstIPv6 == nil:
                    firstIPv6 = sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        withUnsafeBytes(of: pointer.pointee.sin6_addr) { IPAddress(networkBytes: $0) }
                    }
                default:
                    break
                }
            }
            entry = current.pointee.ai_next
        }
        guard let firstIPv6 else { return .failure(HostResolutionError(message: "no IPv4 or IPv6 address")) }
        return .success(IPEndpoint(address: firstIPv6, port: port))
    }
}
