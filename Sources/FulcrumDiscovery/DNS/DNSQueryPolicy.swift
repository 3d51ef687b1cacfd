import FulcrumDNS

/// How long the stub resolver waits for each server's answer, and how many rounds through the server list it makes
/// before a query fails.
public struct DNSQueryPolicy: Sendable, Hashable {
    /// The wait for one server's answer to one query (over TCP: the connect and the answer together).
    public var timeout: Duration
    /// Rounds through the server list: 1 or more.
    public var attempts: Int

    /// `timeout` must be positive and `attempts` at least 1 (a programmer error otherwise: it traps).
    public init(timeout: Duration, attempts: Int) {
        precondition(timeout > .zero && attempts >= 1, "a positive timeout and at least one attempt")
        self.timeout = timeout
        self.attempts = attempts
    }

    /// For the resolvers a service names itself (`discovery.dns.resolvers`): 2 s per server, 2 rounds. Named servers
    /// are usually near (a loopback or data-centre resolver answers in milliseconds), and discovery asks again on
    /// its own schedule anyway, so waiting glibc's 5 s for a dead one only delays the failure report and the next
    /// server.
    public static let namedResolvers = DNSQueryPolicy(timeout: .seconds(2), attempts: 2)

    /// What /etc/resolv.conf says: `options timeout:N attempts:N`, else glibc's 5 s and 2.
    public init(_ configuration: ResolverConfiguration) {
        self.init(timeout: .seconds(configuration.timeoutSeconds), attempts: configuration.attempts)
    }
}
