import FulcrumNet

extension DNSAnswer {
    /// The most CNAME records followed from the question's name. Real chains are a few links long; a longer one is
    /// refused rather than followed, which also ends any loop.
    public static let maximumAliasChainLength = 16

    /// What `response` says about `query`'s question, for A, AAAA and SRV questions.
    ///
    /// First the response must belong to the query (a defence against late answers, confused servers and forgeries):
    /// the same ID, QR set, opcode QUERY, and exactly the question asked (name compared ignoring case, type, class).
    /// Two exceptions: a truncated response may have dropped its question (the ID still ties it to the query, and
    /// all it triggers is a retry over TCP), and so may an error response (servers that predate EDNS answer a query
    /// with an OPT record with a bare FORMERR).
    ///
    /// Then: TC set gives `.truncated`; NXDOMAIN gives `.nxdomain`; a response code other than NOERROR throws.
    /// CNAME records in the answer section are followed from the question's name, and the records of the type
    /// asked that belong to the last name of the chain are the answer; records for any other name are ignored.
    /// For SRV, the targets' A and AAAA records in the additional section come along as glue. No records gives
    /// `.noData`.
    public init(interpreting response: DNSMessage, to query: DNSQuery) throws(DNSResponseError) {
        let header = response.header
        guard header.id == query.id else { throw .idMismatch }
        guard header.isResponse, header.opcode == 0 else { throw .notAResponse }
        let responseCode = response.responseCode
        let isAnswerCode = responseCode == .noError || responseCode == .nameError
        if response.questions.isEmpty {
            if header.isTruncated {
                self = .truncated
                return
            }
            if !isAnswerCode { throw .responseCode(responseCode) }
            throw .questionMismatch
        }
        guard response.questions.count == 1, response.questions[0] == query.question else {
            throw .questionMismatch
        }
        if header.isTruncated {
            self = .truncated
            return
        }
        guard isAnswerCode else { throw .responseCode(responseCode) }

        let (canonicalName, chainTTL) = try DNSAnswer.followAliases(from: query.question, in: response.answers)
        if responseCode == .nameError {
            let negativeTTL = DNSAnswer.negativeTTL(for: canonicalName, in: response.authority)
            self = .nxdomain(negativeTTL: negativeTTL.map { min($0, chainTTL) })
            return
        }
        var resolved = DNSResolvedRecords(ttl: chainTTL, canonicalName: canonicalName)
        var unavailableServiceTTL: UInt32? = nil
        switch query.question.type {
        case .a, .aaaa:
            var seen = Set<IPAddress>()
            for record in response.answers where record.name == canonicalName {
                switch record.data {
                case .a(let address) where query.question.type == .a,
                    .aaaa(let address) where query.question.type == .aaaa:
                    resolved.ttl = min(resolved.ttl, record.ttl)
                    if seen.insert(address).inserted { resolved.addresses.append(address) }
                default:
                    break
                }
            }
        case .srv:
            var seen = Set<DNSServiceLocation>()
            let glue = DNSAnswer.GlueIndex(response.additional)
            for record in response.answers where record.name == canonicalName {
                guard case .srv(let location) = record.data else { continue }
                // RFC 2782: a target of "." says the service is decidedly not available at this name.
                if location.target == .root {
                    unavailableServiceTTL = min(unavailableServiceTTL ?? .max, record.ttl)
                    continue
                }
                guard seen.insert(location).inserted else { continue }
                resolved.ttl = min(resolved.ttl, record.ttl)
                var service = DNSService(
                    priority: location.priority,
                    weight: location.weight,
                    port: location.port,
                    target: location.target
                )
                if let (addresses, ttl) = glue.addresses(for: location.target) {
                    service.addresses = addresses
                    resolved.ttl = min(resolved.ttl, ttl)
                }
                resolved.services.append(service)
            }
        default:
            break
        }
        if resolved.addresses.isEmpty, resolved.services.isEmpty {
            var negativeTTL = DNSAnswer.negativeTTL(for: canonicalName, in: response.authority)
            if let unavailableServiceTTL { negativeTTL = min(negativeTTL ?? .max, unavailableServiceTTL) }
            self = .noData(negativeTTL: negativeTTL.map { min($0, chainTTL) })
            return
        }
        self = .records(resolved)
    }

    /// The last name of the CNAME chain that starts at the question's name, and the least TTL along it
    /// (`UInt32.max` when there is no CNAME). Each step scans the answers once; the chain is bounded, so this is
    /// linear in the number of answers.
    private static func followAliases(
        from question: DNSQuestion,
        in answers: [DNSResourceRecord]
    ) throws(DNSResponseError) -> (DNSName, UInt32) {
        var name = question.name
        var ttl = UInt32.max
        var links = 0
        nextLink: while true {
            for record in answers where record.name == name {
                guard case .cname(let target) = record.data else { continue }
                links += 1
                guard links <= DNSAnswer.maximumAliasChainLength else { throw .aliasChainTooLong }
                ttl = min(ttl, record.ttl)
                name = target
                continue nextLink
            }
            return (name, ttl)
        }
    }

    /// RFC 2308 §5: min(SOA TTL, SOA MINIMUM) of the first SOA in the authority section whose owner is `name` or an
    /// ancestor of it (the zone `name` is in; an SOA of an unrelated zone says nothing about `name`).
    private static func negativeTTL(for name: DNSName, in authority: [DNSResourceRecord]) -> UInt32? {
        for record in authority where name.isWithin(record.name) {
            if case .soa(let soa) = record.data { return min(record.ttl, soa.minimum) }
        }
        return nil
    }

    /// The A and AAAA records of the additional section by owner, built once so that matching them to SRV targets
    /// is linear, not a scan per target.
    private struct GlueIndex {
        private struct Glue {
            var addresses: [IPAddress] = []
            var seen = Set<IPAddress>()
            var ttl = UInt32.max

            mutating func add(_ address: IPAddress, ttl: UInt32) {
                self.ttl = min(self.ttl, ttl)
                if self.seen.insert(address).inserted { self.addresses.append(address) }
            }
        }

        private var entries: [DNSName: Glue] = [:]

        init(_ additional: [DNSResourceRecord]) {
            for record in additional {
                switch record.data {
                case .a(let address), .aaaa(let address):
                    // Mutated in place through the default subscript: no copy of the arrays per record.
                    self.entries[record.name, default: Glue()].add(address, ttl: record.ttl)
                case .cname, .srv, .soa:
                    break
                }
            }
        }

        /// The addresses for `target` and their least TTL; `nil` when there are none.
        func addresses(for target: DNSName) -> (addresses: [IPAddress], ttl: UInt32)? {
            self.entries[target].map { ($0.addresses, $0.ttl) }
        }
    }
}
