/// `listen` and backend `address` strings: `A.B.C.D:PORT`, `[IPV6]:PORT` and (backends only) `HOST:PORT`.
/// Public, and here rather than in FulcrumConfig, so that a backend POSTed to the admin API and one named by a
/// registry (an etcd value) are read by exactly the rules of the configuration file.
public enum AddressText {
    public enum Parsed: Equatable, Sendable {
        case literal(IPEndpoint)
        case hostname(host: String, port: UInt16)
    }

    /// Parses `text`; on failure returns the reason as a phrase for "(...)" in the message.
    public static func parse(_ text: String, allowHostname: Bool) -> Result<Parsed, AddressFailure> {
        if text.isEmpty { return .failure(AddressFailure("it is empty")) }
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(AddressFailure("missing ']'")) }
            let host = text[text.index(after: text.startIndex)..<close]
            guard let address = IPAddress(host), !address.isIPv4 else {
                return .failure(AddressFailure("'\(host)' is not a valid IPv6 address"))
            }
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(AddressFailure("missing ':PORT' after ']'")) }
            return self.port(rest.dropFirst()).map { .literal(IPEndpoint(address: address, port: $0)) }
        }
        let colons = text.utf8.count(where: { $0 == UInt8(ascii: ":") })
        if colons > 1 {
            if IPAddress(text) != nil {
                return .failure(AddressFailure("an IPv6 address needs brackets and a port, e.g. '[\(text)]:80'"))
            }
            return .failure(AddressFailure("an IPv6 address must be written in brackets, e.g. '[::1]:80'"))
        }
        guard colons == 1, let colon = text.firstIndex(of: ":") else {
            return .failure(AddressFailure("missing ':PORT'"))
        }
        let host = text[..<colon]
        let portResult = self.port(text[text.index(after: colon)...])
        if let address = IPAddress(host) {
            return portResult.map { .literal(IPEndpoint(address: address, port: $0)) }
        }
        if !host.isEmpty, host.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) {
            return .failure(AddressFailure("'\(host)' is not a valid IPv4 address"))
        }
        guard allowHostname else {
            return .failure(AddressFailure("a host name is not allowed here, only an IP address"))
        }
        guard self.isValidHostname(host) else {
            return .failure(AddressFailure("'\(host)' is not a valid host name"))
        }
        return portResult.map { .hostname(host: String(host), port: $0) }
    }

    private static func port(_ text: Substring) -> Result<UInt16, AddressFailure> {
        guard let port = IPEndpoint.parsePort(text), port != 0 else {
            return .failure(AddressFailure(text.isEmpty ? "missing port" : "the port must be 1 to 65535"))
        }
        return .success(port)
    }

    /// DNS names (RFC 1123 labels), plus `_`, which container platforms use in service names.
    public static func isValidHostname(_ host: Substring) -> Bool {
        let name = host.hasSuffix(".") ? host.dropLast() : host
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        for label in name.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63, label.first != "-", label.last != "-",
                label.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
            else { return false }
        }
        return true
    }
}

/// Why an address string was refused, as a phrase.
public struct AddressFailure: Error, Equatable, Sendable {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
}
