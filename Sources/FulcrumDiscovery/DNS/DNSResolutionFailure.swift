import FulcrumDNS
import FulcrumNet

/// A query that no server answered: every server failed in every round. Names the question and, for each server, how
/// its last exchange failed, as a discovery failure report shows it.
struct DNSResolutionFailure: Error, Sendable, CustomStringConvertible {
    var question: DNSQuestion
    /// Each server asked, in the order of the list, with the failure of its last exchange.
    var failures: [(server: IPEndpoint, failure: DNSExchangeFailure)]

    /// `web.internal A: 10.0.0.2:53 did not answer within 2 s; 10.0.0.3:53 answered SERVFAIL`.
    var description: String {
        let servers = self.failures.map { "\($0.server) \($0.failure)" }.joined(separator: "; ")
        return "\(self.question): \(servers)"
    }
}
