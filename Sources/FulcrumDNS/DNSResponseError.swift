/// Why a well-formed response gives no answer to the query it was matched with. Compare against the static members
/// (`DNSResponseError.responseCode(.notImplemented)` for the response codes without one); `description` reads as a
/// sentence for logs.
public struct DNSResponseError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case idMismatch
        case notAResponse
        case questionMismatch
        case responseCode
        case aliasChainTooLong
    }

    private let code: Code
    /// For a response code error, the code; otherwise `nil`.
    public let responseCode: DNSResponseCode?

    private init(_ code: Code, responseCode: DNSResponseCode? = nil) {
        self.code = code
        self.responseCode = responseCode
    }

    /// The response's ID is not the query's: a late answer to an earlier query, or a forgery.
    public static let idMismatch = DNSResponseError(.idMismatch)
    /// The message is not a response to a standard query (QR clear, or an opcode other than QUERY).
    public static let notAResponse = DNSResponseError(.notAResponse)
    /// The response's question is not the one asked (name, type or class), or is missing, or there is more than one.
    public static let questionMismatch = DNSResponseError(.questionMismatch)
    /// CNAME records lead from one to the next more than `DNSAnswer.maximumAliasChainLength` times, or in a loop.
    public static let aliasChainTooLong = DNSResponseError(.aliasChainTooLong)
    /// SERVFAIL.
    public static let serverFailure = DNSResponseError.responseCode(.serverFailure)
    /// REFUSED.
    public static let refused = DNSResponseError.responseCode(.refused)

    /// A response code other than NOERROR and NXDOMAIN (which are answers, not errors).
    public static func responseCode(_ code: DNSResponseCode) -> DNSResponseError {
        DNSResponseError(.responseCode, responseCode: code)
    }

    public var description: String {
        switch self.code {
        case .idMismatch: return "the DNS response's ID is not the query's"
        case .notAResponse: return "the DNS message is not a response to a standard query"
        case .questionMismatch: return "the DNS response's question is not the one asked"
        case .responseCode: return "the DNS server answered \(self.responseCode ?? .noError)"
        case .aliasChainTooLong: return "the DNS response's CNAME chain is too long or loops"
        }
    }
}
