/// An IP address and a port: a client, a listener or a backend on the wire.
public struct IPEndpoint: Hashable, Sendable {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// Parses `1.2.3.4:80` or `[::1]:80`. With `defaultPort`, a bare `1.2.3.4` or `::1` / `[::1]` is accepted too.
    public init?(_ text: some StringProtocol, defaultPort: UInt16? = nil) {
        let string = String(text)
        if string.hasPrefix("[") {
            guard let close = string.firstIndex(of: "]") else { return nil }
            let host = string[string.index(after: string.startIndex)..<close]
            guard let address = IPAddress(host), !address.isIPv4 else { return nil }
            let rest = string[string.index(after: close)...]
            if rest.isEmpty {
                guard let defaultPort else { return nil }
                self.init(address: address, port: defaultPort)
                return
            }
            guard rest.hasPrefix(":"), let port = IPEndpoint.parsePort(rest.dropFirst()) else { return nil }
            self.init(address: address, port: port)
            return
        }
        let colons = string.utf8.count(where: { $0 == UInt8(ascii: ":") })
        if colons == 1 {
            let colon = string.firstIndex(of: ":")!
            guard let address = IPAddress(string[..<colon]), address.isIPv4,
                let port = IPEndpoint.parsePort(string[string.index(after: colon)...])
            else { return nil }
            self.init(address: address, port: port)
            return
        }
        // A bare address (IPv6 without brackets has several colons and no port).
        guard let defaultPort, let address = IPAddress(string) else { return nil }
        self.init(address: address, port: defaultPort)
    }

    /// A decimal port 0...65535 with no sign and no leading zeros beyond "0" itself.
    public static func parsePort(_ text: some StringProtocol) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if text.count > 1, text.first == "0" { return nil }
        guard let value = UInt32(text), value <= 65535 else { return nil }
        return UInt16(value)
    }
}

extension IPEndpoint: CustomStringConvertible {
    /// `A.B.C.D:PORT` or `[IPV6]:PORT`.
    public var description: String {
        self.address.isIPv4 ? "\(self.address):\(self.port)" : "[\(self.address)]:\(self.port)"
    }
}
