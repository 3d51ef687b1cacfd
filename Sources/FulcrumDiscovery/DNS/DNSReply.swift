import FulcrumDNS

/// What one received message means for the query it may answer: the step between the bytes a socket delivers and
/// the exchange that waits for them.
enum DNSReply: Sendable, Hashable {
    /// The server's answer to the query: records, no data, NXDOMAIN, or truncated.
    case answer(DNSAnswer)
    /// The server answered the query with an error code (SERVFAIL, REFUSED, FORMERR, ...).
    case errorResponse(DNSResponseCode)
    /// Not an answer to this query: not a DNS message, another ID, not a response, another question. Over UDP such a
    /// datagram is ignored and the exchange keeps waiting (a late answer to an earlier query, or a forgery that
    /// must now guess the ID before the real answer comes, RFC 5452 §9.1); `reason` says why it was not taken.
    case unrelated(reason: String)
    /// An answer to this query that cannot be used (a CNAME chain that is too long or loops).
    case unusable(reason: String)

    /// Reads `bytes` as a reply to `query`.
    ///
    /// A message that does not parse counts as unrelated rather than as the server's broken answer: its ID cannot be
    /// trusted, so taking it as the answer would let any datagram that reaches the socket end the exchange.
    init(classifying bytes: [UInt8], for query: DNSQuery) {
        let message: DNSMessage
        do {
            message = try DNSMessage(parsing: bytes)
        } catch {
            self = .unrelated(reason: error.description)
            return
        }
        do {
            self = .answer(try DNSAnswer(interpreting: message, to: query))
        } catch {
            if let code = error.responseCode {
                self = .errorResponse(code)
            } else if error == .aliasChainTooLong {
                self = .unusable(reason: error.description)
            } else {
                self = .unrelated(reason: error.description)
            }
        }
    }
}
