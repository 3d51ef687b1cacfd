import FoundationEssentials
import FulcrumDNS
import FulcrumNet
import Logging
import NIOCore

/// Follows a service's DNS records (SPEC §8.1 `discovery.dns`): resolves them in rounds and reports each round's
/// complete set of backends.
///
/// - A round asks A and AAAA of `name` (backends on `port`), or SRV of `srv` (`DNSDiscoveryRound` says how), from
///   `resolvers`, or from the nameservers of /etc/resolv.conf (read again each round, so that a changed file is
///   followed) when there are none.
/// - After a successful round: a snapshot (also when nothing changed; an empty one for NXDOMAIN or no records, for
///   the consumer's `hold_empty`), then the next round after `interval`, or else at the least TTL of the answers
///   used, clamped to 1 s ... 5 min (`DNSRefreshInterval`). One round per period, never more.
/// - After a failed round (no answer from any resolver, an error answer, a malformed one): a failure that names
///   the query and each resolver's error, and the next round after the back-off's delay, until a round succeeds.
/// - Cancelling the task that runs `run` ends the round or the wait at once; each query's socket is closed.
///
/// The sockets live on `eventLoopGroup`, the control plane's: DNS work never shares a loop with proxied traffic.
public struct DNSDiscoverySource: DiscoverySource {
    /// `.dns`.
    public var kind: DiscoveryKind { .dns }

    private let settings: DNSDiscoverySettings
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let backoff: Backoff
    private let queryPolicy: DNSQueryPolicy?
    private let resolvConfPath: String
    private let makeQueryID: @Sendable () -> UInt16

    /// - Parameters:
    ///   - eventLoopGroup: a NIOPosix group (`MultiThreadedEventLoopGroup`); the control plane's.
    ///   - backoff: the delays between failed rounds.
    ///   - queryPolicy: the wait for each answer and the rounds through the resolvers; `nil`: resolv.conf's when
    ///     the resolvers come from it, `DNSQueryPolicy.namedResolvers` when the settings name them.
    ///   - resolvConfPath: where the system's resolvers are listed, when the settings name none.
    ///   - makeQueryID: each query's ID; random from the system's generator unless a test needs to know them.
    public init(
        settings: DNSDiscoverySettings,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        backoff: Backoff = .standard,
        queryPolicy: DNSQueryPolicy? = nil,
        resolvConfPath: String = "/etc/resolv.conf",
        makeQueryID: @escaping @Sendable () -> UInt16 = DNSDiscoverySource.randomQueryID
    ) {
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.backoff = backoff
        self.queryPolicy = queryPolicy
        self.resolvConfPath = resolvConfPath
        self.makeQueryID = makeQueryID
    }

    /// A query ID from `SystemRandomNumberGenerator`, which draws from the kernel's cryptographic generator
    /// (getrandom on Linux): an ID a forger cannot predict (RFC 5452 §9.2).
    @Sendable
    public static func randomQueryID() -> UInt16 {
        UInt16.random(in: .min ... .max)
    }

    /// Resolves in rounds and reports each, until the task is cancelled (see the type's comment).
    public func run(_ report: DiscoveryReport) async {
        var backoff = self.backoff
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled {
            let delay: Duration
            do {
                let set = try await self.round().run()
                if Task.isCancelled { return }
                let backends = set.backends
                report.snapshot(backends)
                backoff.reset()
                delay = self.settings.interval ?? DNSRefreshInterval.after(ttl: set.ttl)
                self.logger.debug(
                    "DNS discovery round done",
                    metadata: ["dns.backends": "\(backends.count)", "dns.next_round": "\(delay)"]
                )
            } catch {
                // A cancelled round is not a failure of the registry; nothing is reported.
                if Task.isCancelled { return }
                report.failure(String(describing: error))
                delay = backoff.nextDelay(using: &random)
            }
            // Ends at once, with an error that is not needed, when the task is cancelled.
            try? await Task.sleep(for: delay)
        }
    }

    /// The round to run now: the resolvers and policy as the settings and resolv.conf say at this moment.
    private func round() throws -> DNSDiscoveryRound {
        let target: DNSDiscoveryRound.Target
        do {
            target = try DNSDiscoveryRound.target(of: self.settings.query)
        } catch {
            throw InvalidName(query: self.settings.query, error: error)
        }
        let servers: [IPEndpoint]
        let policy: DNSQueryPolicy
        if self.settings.resolvers.isEmpty {
            // A small file read at most once a second per service; not worth a thread hop.
            let text = (try? String(contentsOfFile: self.resolvConfPath, encoding: .utf8)) ?? ""
            let configuration = ResolverConfiguration(resolvConf: text)
            servers = configuration.nameservers
            policy = self.queryPolicy ?? DNSQueryPolicy(configuration)
        } else {
            servers = self.settings.resolvers
            policy = self.queryPolicy ?? .namedResolvers
        }
        let resolver = DNSStubResolver(
            servers: servers,
            policy: policy,
            eventLoopGroup: self.eventLoopGroup,
            makeQueryID: self.makeQueryID,
            logger: self.logger
        )
        return DNSDiscoveryRound(target: target, resolver: resolver)
    }

    /// A name in the settings that is not a DNS name (configuration validation should have refused it): every round
    /// fails with this, and says so.
    private struct InvalidName: Error, CustomStringConvertible {
        var query: DNSDiscoverySettings.Query
        var error: DNSNameError

        var description: String {
            switch self.query {
            case .addresses(let name, _), .service(let name): return "'\(name)' is not a DNS name: \(self.error)"
            }
        }
    }
}
