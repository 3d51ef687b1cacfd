import AsyncHTTPClient
import NIOCore
import NIOPosix

/// Follows the keys under an etcd v3 prefix (SPEC §8.1, `discovery.etcd`) through etcd's JSON gateway: each key is
/// one backend, its value the address text or `{"address": "...", "weight": N}`.
///
/// It reads the whole prefix, reports it, then watches from the revision after that read and reports the complete
/// set after each batch of events (`EtcdTiming.coalescingWindow`). On any failure it reports it, moves to the next
/// endpoint, and backs off (`Backoff`) after each full round of failed endpoints; every reconnect starts with a full
/// read, so writes made while etcd was out of reach are applied. It never throws and ends when its task is
/// cancelled.
///
/// It owns its HTTP client: `run` creates one on NIO's shared event loop group with this source's timeouts and
/// shuts it down before returning, so nothing outlives the task and no caller has to remember a shutdown.
public struct EtcdDiscoverySource: DiscoverySource {
    public var kind: DiscoveryKind { .etcd }

    public let settings: EtcdDiscoverySettings
    public let timing: EtcdTiming
    private let backoff: Backoff
    private let random: any RandomNumberGenerator & Sendable
    private let lookup: HostNameLookup

    /// `settings.endpoints` must not be empty (configuration validation refuses that). `backoff` and `random`
    /// decide the delays between rounds of failed endpoints; tests pass short delays and a seeded generator.
    public init(
        settings: EtcdDiscoverySettings,
        timing: EtcdTiming = .standard,
        backoff: Backoff = .standard,
        random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()
    ) {
        self.init(settings: settings, timing: timing, backoff: backoff, random: random, lookup: .system)
    }

    /// With a host name lookup of the test's choosing.
    init(
        settings: EtcdDiscoverySettings,
        timing: EtcdTiming,
        backoff: Backoff,
        random: any RandomNumberGenerator & Sendable,
        lookup: HostNameLookup
    ) {
        precondition(!settings.endpoints.isEmpty, "discovery.etcd needs at least one endpoint")
        self.settings = settings
        self.timing = timing
        self.backoff = backoff
        self.random = random
        self.lookup = lookup
    }

    public func run(_ report: DiscoveryReport) async {
        let client = HTTPClient(
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            configuration: self.clientConfiguration
        )
        await self.follow(client: client, report: report)
        // Every request has ended by now (the session's tasks are done), so this only closes idle connections.
        try? await client.shutdown()
    }

    private var clientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            // No redirects: an etcd gateway never sends them, and a URL of the settings must mean that member.
            redirectConfiguration: .disallow,
            // No read timeout: a watch is quiet for as long as nothing changes. Range requests are bounded by
            // `EtcdTiming.request`, and a watch by the liveness check.
            timeout: .init(connect: .nanoseconds(self.timing.connect.nanoseconds), read: nil)
        )
        // A refused connect must fail the request at once, so that the next endpoint is tried: the client's own
        // retries would hold the request until the connect timeout and hide the reason.
        configuration.connectionPool.retryConnectionEstablishment = false
        // HTTP/1.1 also over TLS, where ALPN could pick HTTP/2: the gateway's streaming watch is a chunked HTTP/1.1
        // answer (etcd documents the gateway with curl), and plain and TLS endpoints then take one code path.
        configuration.httpVersion = .http1Only
        return configuration
    }

    /// Sessions, one member after another, until the task is cancelled.
    private func follow(client: HTTPClient, report: DiscoveryReport) async {
        let range = EtcdKeyRange(prefix: self.settings.prefix)
        var table = EtcdBackendTable()
        var backoff = self.backoff
        var random = self.random
        var next = 0
        // Failed sessions since the last successful read: a full round of them is followed by a back-off delay.
        var failures = 0
        while !Task.isCancelled {
            let endpoint = self.settings.endpoints[next]
            let session = EtcdMemberSession(
                gateway: EtcdGateway(endpoint: endpoint, client: client, timing: self.timing),
                range: range,
                timing: self.timing,
                lookup: self.lookup,
                report: report
            )
            do throws(EtcdSessionEnd) {
                try await session.run(table: &table) {
                    failures = 0
                    backoff.reset()
                }
            } catch {
                switch error {
                case .cancelled:
                    return
                case .compacted:
                    // Read again from the same member at once: the read gives a revision it has not compacted.
                    continue
                case .failed(let failure):
                    report.failure("etcd \(endpoint): \(failure)")
                }
            }
            next = (next + 1) % self.settings.endpoints.count
            failures += 1
            if failures % self.settings.endpoints.count == 0 {
                do {
                    try await Task.sleep(for: backoff.nextDelay(using: &random))
                } catch {
                    return
                }
            }
        }
    }
}
