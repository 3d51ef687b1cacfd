import FulcrumNet
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps the errors NIO reports during a probe to the typed reasons the logs show.
enum ProbeErrors {
    /// A failed connect (or an error on the connection before any payload was written).
    static func connectFailure(_ error: any Error) -> HealthCheckFailure {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .connectRefused
            case ECONNRESET, EPIPE: return .connectionReset
            case ETIMEDOUT: return .timeout
            default: return .connectFailed(detail: String(describing: error))
            }
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .timeout
        }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return Self.connectFailure(first.error)
        }
        return .connectFailed(detail: String(describing: error))
    }

    /// A failed write of the probe's payload.
    static func sendFailure(_ error: any Error) -> HealthCheckFailure {
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return .connectRefused
            case ECONNRESET, EPIPE: return .connectionReset
            default: return .sendFailed
            }
        }
        return .sendFailed
    }
}

extension SocketAddress {
    /// The socket address of `endpoint`, without a round trip through text.
    init(_ endpoint: IPEndpoint) throws {
        var packed = ByteBuffer()
        endpoint.address.withNetworkBytes { _ = packed.writeBytes($0) }
        try self.init(packedIPAddress: packed, port: Int(endpoint.port))
    }
}
