import FulcrumNet

/// A backend address POSTed to the admin API: `A.B.C.D:PORT`, `[IPV6]:PORT` or `HOST:PORT`, the forms a
/// configuration file accepts (SPEC §2).
enum BackendAddressText {
    enum Parsed: Equatable {
        case literal(IPEndpoint)
        case hostname(host: String, port: UInt16)
    }

    static func parse(_ text: String) -> Result<Parsed, AdminError> {
        func invalid(_ reason: String) -> Result<Parsed, AdminError> {
            .failure(AdminError(.invalid, "invalid backend address '\(text)': \(reason)"))
        }
        if text.isEmpty { return invalid("it is empty") }
        if let endpoint = IPEndpoint(text) {
            return endpoint.port == 0 ? invalid("the port must be 1 to 65535") : .success(.literal(endpoint))
        }
        if text.hasPrefix("[") { return invalid("expected [IPV6]:PORT") }
        let colons = text.utf8.count(where: { $0 == UInt8(ascii: ":") })
        if colons > 1 { return invalid("an IPv6 address must be written in brackets, e.g. '[::1]:80'") }
        guard colons == 1, let colon = text.firstIndex(of: ":") else { return invalid("missing ':PORT'") }
        let host = text[..<colon]
        guard let port = IPEndpoint.parsePort(text[text.index(after: colon)...]), port != 0 else {
            return invalid("the port must be 1 to 65535")
        }
        if host.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) {
            return invalid("'\(host)' is not a valid IPv4 address")
        }
        guard self.isValidHostname(host) else { return invalid("'\(host)' is not a valid host name") }
        return .success(.hostname(host: String(host), port: port))
    }

    /// DNS names (RFC 1123 labels) plus `_`, as the configuration file accepts them.
    static func isValidHostname(_ host: Substring) -> Bool {
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
