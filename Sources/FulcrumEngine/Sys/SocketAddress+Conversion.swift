import FulcrumNet
import Glibc

/// Conversions between Fulcrum's address values and the kernel's socket address structures.
extension IPEndpoint {
    /// The endpoint as a `sockaddr_storage` plus its length, ready for bind/connect/sendmsg.
    func socketAddress() -> (storage: sockaddr_storage, length: socklen_t) {
        var storage = sockaddr_storage()
        switch self.address {
        case .v4(let value):
            let length = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    address.pointee.sin_family = sa_family_t(AF_INET)
                    address.pointee.sin_port = self.port.bigEndian
                    address.pointee.sin_addr.s_addr = value.bigEndian
                    return socklen_t(MemoryLayout<sockaddr_in>.size)
                }
            }
            return (storage, length)
        case .v6(let high, let low):
            let length = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    address.pointee.sin6_family = sa_family_t(AF_INET6)
                    address.pointee.sin6_port = self.port.bigEndian
                    var bytes = (high.bigEndian, low.bigEndian)
                    withUnsafeBytes(of: &bytes) { source in
                        withUnsafeMutableBytes(of: &address.pointee.sin6_addr) { target in
                            target.copyMemory(from: source)
                        }
                    }
                    return socklen_t(MemoryLayout<sockaddr_in6>.size)
                }
            }
            return (storage, length)
        }
    }

    /// The endpoint held in a kernel socket address, or `nil` for a family other than IPv4/IPv6.
    init?(socketAddress storage: UnsafePointer<sockaddr_storage>) {
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            let endpoint = storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                IPEndpoint(
                    address: .v4(UInt32(bigEndian: address.pointee.sin_addr.s_addr)),
                    port: UInt16(bigEndian: address.pointee.sin_port)
                )
            }
            self = endpoint
        case AF_INET6:
            let endpoint = storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                var halves: (UInt64, UInt64) = (0, 0)
                withUnsafeMutableBytes(of: &halves) { target in
                    withUnsafeBytes(of: address.pointee.sin6_addr) { source in target.copyMemory(from: source) }
                }
                return IPEndpoint(
                    address: .v6(high: UInt64(bigEndian: halves.0), low: UInt64(bigEndian: halves.1)),
                    port: UInt16(bigEndian: address.pointee.sin6_port)
                )
            }
            self = endpoint
        default:
            return nil
        }
    }

    /// `true` for `0.0.0.0` and `::`: a socket bound there must ask the kernel which address a client reached.
    var isWildcard: Bool {
        switch self.address {
        case .v4(let value): return value == 0
        case .v6(let high, let low): return high == 0 && low == 0
        }
    }
}
