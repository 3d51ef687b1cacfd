import FulcrumDNS
import FulcrumNet
import Logging
import NIOCore

/// A stub resolver: asks recursive resolvers (or authoritative servers) for one name's records and returns the first
/// answer, in the way of glibc's `res_send`: each server in turn, `attempts` rounds through the list, `timeout` for
/// each answer.
///
/// - A server that does not answer in time, refuses, or answers with an error code (SERVFAIL, REFUSED, ...) is
///   passed over for the next one; the query fails only when every server failed in every round.
/// - An answer with TC set is asked again over TCP, from the same server (RFC 7766 §5).
/// - A server that answers FORMERR to a query with an EDNS OPT record may predate EDNS: it is asked once more
///   without the record (RFC 6891 §7), and not given one again for the rest of the query.
/// - Every query has a new random ID (`makeQueryID`), every UDP query a new socket and so a new source port.
///
/// Names are asked as they are, as absolute names: a final dot is optional and no search list is applied (a
/// discovery name is written in the configuration in full; `db` becoming `db.corp.example` through resolv.conf's
/// `search` would make the pool depend on the host it runs on).
struct DNSStubResolver: Sendable {
    var servers: [IPEndpoint]
    var policy: DNSQueryPolicy
    var eventLoopGroup: any EventLoopGroup
    var makeQueryID: @Sendable () -> UInt16
    var logger: Logger

    /// The first answer any server gives for `name`'s `type` records: `.records`, `.noData` or `.nxdomain`, never
    /// `.truncated`. Throws `DNSResolutionFailure` when no server answered, `CancellationError` when the task was
    /// cancelled.
    func resolve(_ name: DNSName, _ type: DNSRecordType) async throws -> DNSAnswer {
        precondition(!self.servers.isEmpty, "a stub resolver needs a server to ask")
        var lastFailures = [DNSExchangeFailure?](repeating: nil, count: self.servers.count)
        var ednsRefused = Set<Int>()
        for _ in 0..<self.policy.attempts {
            for (index, server) in self.servers.enumerated() {
                try Task.checkCancellation()
                var outcome = await self.ask(server, name, type, edns: !ednsRefused.contains(index))
                if case .failure(.errorResponse(.formatError)) = outcome, !ednsRefused.contains(index) {
                    self.logger.debug(
                        "DNS server answered FORMERR to EDNS; asking it again without",
                        metadata: ["dns.server": "\(server)", "dns.question": "\(name) \(type)"]
                    )
                    ednsRefused.insert(index)
                    outcome = await self.ask(server, name, type, edns: false)
                }
                switch outcome {
                case .success(let answer):
                    return answer
                case .failure(.cancelled):
                    throw CancellationError()
                case .failure(let failure):
                    self.logger.debug(
                        "DNS query failed",
                        metadata: [
                            "dns.server": "\(server)", "dns.question": "\(name) \(type)", "dns.error": "\(failure)",
                        ]
                    )
                    lastFailures[index] = failure
                }
            }
        }
        try Task.checkCancellation()
        let failures = zip(self.servers, lastFailures).compactMap { server, failure in
            failure.map { (server: server, failure: $0) }
        }
        throw DNSResolutionFailure(question: DNSQuestion(name: name, type: type), failures: failures)
    }

    /// One query to one server: over UDP, and again over TCP when the UDP answer is truncated.
    private func ask(
        _ server: IPEndpoint,
        _ name: DNSName,
        _ type: DNSRecordType,
        edns: Bool
    ) async -> DNSExchangeAttempt.Outcome {
        let loop = self.eventLoopGroup.next()
        let query = DNSQuery(id: self.makeQueryID(), name: name, type: type, advertisesEDNS: edns)
        let outcome = await DNSExchange.datagram(query, to: server, timeout: self.policy.timeout, on: loop)
        guard case .success(.truncated) = outcome else { return outcome }
        self.logger.debug(
            "DNS answer truncated; asking again over TCP",
            metadata: ["dns.server": "\(server)", "dns.question": "\(name) \(type)"]
        )
        let streamQuery = DNSQuery(id: self.makeQueryID(), name: name, type: type, advertisesEDNS: edns)
        return await DNSExchange.stream(streamQuery, to: server, timeout: self.policy.timeout, on: loop)
    }
}
