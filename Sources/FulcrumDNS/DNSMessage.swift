// FulcrumDNS: the DNS messages service discovery needs (SPEC §8.1), as pure values: queries out, responses in,
// the answer a resolver acts on, and /etc/resolv.conf read as text. No I/O; the resolver that sends and receives
// lives elsewhere.
//
// Why a codec of our own rather than c-ares: getaddrinfo hides TTLs and cannot ask for SRV, so discovery needs a DNS
// message codec. c-ares would be a system library, and the README's `scripts/test` and `swift run` must work on a
// fresh machine that has only the Swift toolchain. What discovery needs (A, AAAA, SRV, CNAME chains, name
// compression, truncation, negative-answer TTLs) is a few hundred lines, small enough to test byte by byte and to
// fuzz like the PROXY parser (Fuzz/Sources/DNSMessageFuzzer).
//
// Why `[UInt8]` in, not `Span` or an unsafe buffer: messages are at most 64 KiB and arrive one every few seconds
// per service, so a copy into an array costs nothing that matters, while the parser's reads stay bounds-checked in
// release builds (a missed check traps instead of reading past the end). Holding a `Span` in the reader would need
// the experimental lifetime-dependence feature; holding an unsafe pointer would give up that check.

/// A DNS message (RFC 1035 §4.1): a query or a response.
///
/// A parsed message (`init(parsing:)`) keeps the records this module reads (A, AAAA, CNAME, SRV, SOA, class IN)
/// and the OPT record's parameters; other records are checked for framing and skipped. `encoded()` writes the
/// message back, uncompressed, so that what was parsed can be checked by parsing it again.
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authority: [DNSResourceRecord]
    /// The additional section less the OPT record, which is `edns`.
    public var additional: [DNSResourceRecord]
    /// The OPT record's parameters; `nil` when the message has none.
    public var edns: EDNSParameters?

    public init(
        header: DNSHeader,
        questions: [DNSQuestion] = [],
        answers: [DNSResourceRecord] = [],
        authority: [DNSResourceRecord] = [],
        additional: [DNSResourceRecord] = [],
        edns: EDNSParameters? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The full response code: the header's 4 bits, and the OPT record's 8 upper bits when there is one.
    public var responseCode: DNSResponseCode {
        let upper = UInt16(self.edns?.extendedResponseCode ?? 0)
        return DNSResponseCode(rawValue: upper << 4 | UInt16(self.header.responseCodeLowBits))
    }
}
