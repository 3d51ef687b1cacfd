import Foundation
import FulcrumDNS
import FulcrumNet
import FulcrumTestSupport
import Logging
import NIOPosix
import Testing

@testable import FulcrumDiscovery

/// The DNS source against a real DNS server, dnsmasq, started by each test on a loopback port. Serialized: the
/// TTL tests measure time and the socket test counts descriptors, so they should not share the machine's two cores
/// with the other cases of this suite.
@Suite(
    .serialized,
    .enabled(if: DnsmasqServer.isAvailable, "needs dnsmasq (Debian: apt-get install dnsmasq-base)")
)
struct DNSDiscoverySourceTests {
    /// Fast retries, so that outage tests see several failures in a few seconds.
    static let quickBackoff = Backoff(initial: .milliseconds(100), maximum: .milliseconds(400))
    /// A short wait per answer, for cases where a server is dead or silent on purpose.
    static let quickPolicy = DNSQueryPolicy(timeout: .milliseconds(500), attempts: 1)

    func source(
        _ query: DNSDiscoverySettings.Query,
        resolvers: [IPEndpoint],
        interval: Duration? = nil,
        policy: DNSQueryPolicy? = nil,
        backoff: Backoff = DNSDiscoverySourceTests.quickBackoff
    ) -> DNSDiscoverySource {
        DNSDiscoverySource(
            settings: DNSDiscoverySettings(query: query, resolvers: resolvers, interval: interval),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "dns-discovery-test"),
            backoff: backoff,
            queryPolicy: policy
        )
    }

    /// Runs `source` while `body` runs, then cancels it and waits until `run` has returned.
    func running<Result>(
        _ source: DNSDiscoverySource,
        _ recorder: ReportRecorder,
        _ body: () async throws -> Result
    ) async rethrows -> Result {
        let task = Task { await source.run(recorder.report) }
        do {
            let result = try await body()
            task.cancel()
            await task.value
            return result
        } catch {
            task.cancel()
            await task.value
            throw error
        }
    }

    static func backend(_ address: String, weight: Int = 1) -> DiscoveredBackend {
        DiscoveredBackend(address: address, endpoint: IPEndpoint(address)!, weight: weight)
    }

    @Test func addressRecordsBecomeBackendsOnThePort() async throws {
        let dns = try DnsmasqServer(
            .init(hosts: [.init("web.test", ["10.0.0.2", "10.0.0.1", "fd00::1"])], ttl: 60)
        )
        let recorder = ReportRecorder()
        let source = self.source(.addresses(name: "web.test", port: 8080), resolvers: [dns.endpoint])
        await self.running(source, recorder) {
            #expect(await eventually { !recorder.snapshots.isEmpty })
        }
        #expect(
            recorder.snapshots.first
                == [Self.backend("10.0.0.1:8080"), Self.backend("10.0.0.2:8080"), Self.backend("[fd00::1]:8080")]
        )
        #expect(dns.queries("A", "web.test") == 1 && dns.queries("AAAA", "web.test") == 1)
        #expect(recorder.failures.isEmpty)
        // A name with a final dot is the same name.
        let dotted = ReportRecorder()
        try await self.running(self.source(.addresses(name: "web.test.", port: 1), resolvers: [dns.endpoint]), dotted) {
            #expect(await eventually { dotted.lastAddresses == ["10.0.0.1:1", "10.0.0.2:1", "[fd00::1]:1"] })
        }
    }

    /// dnsmasq sends the targets' addresses as glue outside an authoritative zone: no query for the targets.
    @Test func serviceRecordsWithGlueGiveWeightedBackendsOfTheLowestPriority() async throws {
        let dns = try DnsmasqServer(
            .init(
                hosts: [
                    .init("db1.test", ["10.1.0.1"]), .init("db2.test", ["10.1.0.2", "fd00::2"]),
                    .init("db3.test", ["10.1.0.3"]), .init("backup.test", ["10.1.0.9"]),
                ],
                services: [
                    .init("_pg._tcp.svc.test", target: "db1.test", port: 5432, priority: 10, weight: 10),
                    .init("_pg._tcp.svc.test", target: "db2.test", port: 5433, priority: 10, weight: 30),
                    .init("_pg._tcp.svc.test", target: "db3.test", port: 5434, priority: 10, weight: 0),
                    .init("_pg._tcp.svc.test", target: "backup.test", port: 5432, priority: 20, weight: 50),
                ],
                ttl: 60
            )
        )
        let recorder = ReportRecorder()
        await self.running(self.source(.service(name: "_pg._tcp.svc.test"), resolvers: [dns.endpoint]), recorder) {
            #expect(await eventually { !recorder.snapshots.isEmpty })
        }
        #expect(
            recorder.snapshots.first == [
                Self.backend("10.1.0.1:5432", weight: 10), Self.backend("10.1.0.2:5433", weight: 30),
                Self.backend("10.1.0.3:5434", weight: 1), Self.backend("[fd00::2]:5433", weight: 30),
            ]
        )
        #expect(dns.queries("SRV", "_pg._tcp.svc.test") == 1)
        for target in ["db1.test", "db2.test", "db3.test", "backup.test"] {
            #expect(dns.queries("A", target) == 0 && dns.queries("AAAA", target) == 0, "\(target)")
        }
    }

    /// As the authority of a zone dnsmasq sends no glue: each target is asked for its A and AAAA records. Two
    /// records that lead to the same address and port are one backend with their weights summed.
    @Test func serviceTargetsWithoutGlueAreResolved() async throws {
        let dns = try DnsmasqServer(
            .init(
                hosts: [
                    .init("db1.test", ["10.1.0.1", "fd00::1"]), .init("alias-a.test", ["10.1.0.7"]),
                    .init("alias-b.test", ["10.1.0.7"]),
                ],
                services: [
                    .init("_pg._tcp.svc.test", target: "db1.test", port: 5432, weight: 10),
                    .init("_pg._tcp.svc.test", target: "alias-a.test", port: 6000, weight: 5),
                    .init("_pg._tcp.svc.test", target: "alias-b.test", port: 6000, weight: 7),
                    .init("_pg._tcp.svc.test", target: "gone.test", port: 7000, weight: 7),
                ],
                ttl: 60,
                authoritative: true
            )
        )
        let recorder = ReportRecorder()
        await self.running(self.source(.service(name: "_pg._tcp.svc.test"), resolvers: [dns.endpoint]), recorder) {
            #expect(await eventually { !recorder.snapshots.isEmpty })
        }
        #expect(
            recorder.snapshots.first == [
                Self.backend("10.1.0.1:5432", weight: 10), Self.backend("10.1.0.7:6000", weight: 12),
                Self.backend("[fd00::1]:5432", weight: 10),
            ]
        )
        for target in ["db1.test", "alias-a.test", "alias-b.test", "gone.test"] {
            #expect(dns.queries("A", target) == 1 && dns.queries("AAAA", target) == 1, "\(target)")
        }
        #expect(recorder.failures.isEmpty)
    }

    @Test func aChangedRecordIsPickedUpAtTheNextRound() async throws {
        let dns = try DnsmasqServer(.init(ttl: 1))
        try dns.setHostsFile([("10.0.0.5", "changing.test")])
        try dns.reloadHostsFile()
        let recorder = ReportRecorder()
        try await self.running(
            self.source(.addresses(name: "changing.test", port: 80), resolvers: [dns.endpoint]),
            recorder
        ) {
            #expect(await eventually { recorder.lastAddresses == ["10.0.0.5:80"] })
            try dns.setHostsFile([("10.0.0.6", "changing.test"), ("10.0.0.7", "changing.test")])
            try dns.reloadHostsFile()
            #expect(await eventually { recorder.lastAddresses == ["10.0.0.6:80", "10.0.0.7:80"] })
        }
        #expect(recorder.failures.isEmpty)
    }

    /// No query storm: one round per TTL. A round is one A query (and one AAAA query); rounds at 0, 2, 4 and 6 s
    /// fit in 7 s. The bound allows one more round than the elapsed time holds TTLs, and nothing else, so a loaded
    /// machine (which only delays rounds) cannot break it; the lower bound only says the name was asked again.
    @Test func roundsFollowTheTTL() async throws {
        let ttl = 2
        let dns = try DnsmasqServer(.init(hosts: [.init("ttl.test", ["10.0.0.1"])], ttl: UInt32(ttl)))
        let recorder = ReportRecorder()
        let clock = ContinuousClock()
        let start = clock.now
        try await self.running(self.source(.addresses(name: "ttl.test", port: 80), resolvers: [dns.endpoint]), recorder)
        {
            // The test is about time: it lets 7 s pass.
            try await Task.sleep(for: .seconds(7))
        }
        let elapsed = clock.now - start
        let rounds = dns.queries("A", "ttl.test")
        let bound = Int((elapsed / .seconds(ttl)).rounded(.up)) + 1
        let aaaa = dns.queries("AAAA", "ttl.test")
        let snapshots = recorder.snapshots.count
        print("DNS TTL \(ttl) s, \(elapsed): \(rounds) rounds, \(aaaa) AAAA, \(snapshots) snapshots, max \(bound)")
        #expect(rounds <= bound, "\(rounds) rounds in \(elapsed)")
        #expect(rounds >= 2, "\(rounds) rounds in \(elapsed)")
        #expect(aaaa == rounds)
        #expect(snapshots == rounds)
        #expect(recorder.failures.isEmpty)
    }

    /// An empty answer is a snapshot, not a failure (the consumer applies `hold_empty`), and it is asked again at
    /// the negative TTL of the zone's SOA: not sooner (the 1 s floor), not at the 5 min ceiling.
    @Test func nxdomainIsAnEmptySnapshotAskedAgainAtTheNegativeTTL() async throws {
        let negativeTTL = Duration.seconds(3)
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["10.0.0.1"])], ttl: 3, authoritative: true))
        let recorder = ReportRecorder()
        try await self.running(
            self.source(.addresses(name: "missing.test", port: 80), resolvers: [dns.endpoint]),
            recorder
        ) {
            #expect(await eventually(timeout: .seconds(30)) { recorder.snapshots.count >= 2 })
        }
        #expect(recorder.snapshots.allSatisfy { $0.isEmpty })
        #expect(recorder.failures.isEmpty)
        let times = recorder.snapshotTimes
        // Between the first answer and the second there is the negative TTL's wait and the second query.
        #expect(times[1] - times[0] >= negativeTTL - .milliseconds(10), "\(times[1] - times[0])")
    }

    @Test func aStoppedServerGivesFailuresNeverAnEmptySnapshotAndItsReturnASnapshotAgain() async throws {
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["10.0.0.1"])], ttl: 1))
        let recorder = ReportRecorder()
        let source = self.source(
            .addresses(name: "web.test", port: 80),
            resolvers: [dns.endpoint],
            policy: Self.quickPolicy
        )
        try await self.running(source, recorder) {
            #expect(await eventually { recorder.snapshots.count >= 1 })
            dns.stop()
            #expect(await eventually { recorder.failures.count >= 3 })
            let snapshotsWhileDown = recorder.snapshots.count
            try dns.restart()
            #expect(await eventually { recorder.snapshots.count > snapshotsWhileDown })
        }
        #expect(recorder.snapshots.allSatisfy { $0.map(\.address) == ["10.0.0.1:80"] })
        let failure = try #require(recorder.failures.first)
        #expect(failure.hasPrefix("web.test A") || failure.hasPrefix("web.test AAAA"), "\(failure)")
        #expect(failure.contains("\(dns.endpoint) refused the connection"), "\(failure)")
    }

    @Test func anErrorAnswerIsAFailureThatNamesTheResolver() async throws {
        // dnsmasq has no upstream server: a name outside its records is REFUSED.
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["10.0.0.1"])]))
        let recorder = ReportRecorder()
        try await self.running(
            self.source(.addresses(name: "web.example", port: 80), resolvers: [dns.endpoint]),
            recorder
        ) {
            #expect(await eventually { recorder.failures.count >= 2 })
        }
        #expect(recorder.snapshots.isEmpty)
        #expect(recorder.failures[0].contains("\(dns.endpoint) answered REFUSED"), "\(recorder.failures[0])")
    }

    @Test func aSilentServerIsATimeoutFailure() async throws {
        let dns = try DnsmasqServer(.init(silentDomains: ["silent.example"]))
        let recorder = ReportRecorder()
        let source = self.source(
            .addresses(name: "web.silent.example", port: 80),
            resolvers: [dns.endpoint],
            policy: Self.quickPolicy
        )
        await self.running(source, recorder) {
            #expect(await eventually { recorder.failures.count >= 1 })
        }
        #expect(recorder.snapshots.isEmpty)
        #expect(
            recorder.failures[0].contains("\(dns.endpoint) did not answer within 500 ms"),
            "\(recorder.failures[0])"
        )
    }

    @Test func deadAndRefusingResolversArePassedOver() async throws {
        // Serving another domain, it refuses names in `test`.
        let refusing = try DnsmasqServer(.init(hosts: [.init("web.example", ["10.9.9.9"])], domain: "example"))
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["10.0.0.1"])]))
        let dead = IPEndpoint(address: .v4(0x7F00_0001), port: freeLoopbackPort())
        let recorder = ReportRecorder()
        let source = self.source(
            .addresses(name: "web.test", port: 80),
            resolvers: [dead, refusing.endpoint, dns.endpoint]
        )
        await self.running(source, recorder) {
            #expect(await eventually { !recorder.snapshots.isEmpty })
        }
        #expect(recorder.snapshots.first?.map(\.address) == ["10.0.0.1:80"])
        #expect(refusing.queries("A", "web.test") == 1)
        #expect(recorder.failures.isEmpty)
    }

    /// dnsmasq rather than a fake: how a real server truncates (whole records up to the size the query allows,
    /// TC set) is the behaviour to meet. 100 A records take about 1,600 bytes, more than the 1232 the query
    /// advertises, so the UDP answer is truncated and the name is asked again over TCP.
    @Test func aTruncatedAnswerIsAskedAgainOverTCP() async throws {
        let addresses = (1...100).map { "10.2.0.\($0)" }
        let dns = try DnsmasqServer(.init(hosts: [.init("big.test", addresses)], ttl: 60))
        let recorder = ReportRecorder()
        try await self.running(self.source(.addresses(name: "big.test", port: 80), resolvers: [dns.endpoint]), recorder)
        {
            #expect(await eventually { !recorder.snapshots.isEmpty })
        }
        #expect(Set(recorder.snapshots.first?.map(\.address) ?? []) == Set(addresses.map { "\($0):80" }))
        // Once over UDP (truncated), once over TCP; the AAAA answer (NODATA) fits.
        #expect(dns.queries("A", "big.test") == 2)
        #expect(dns.queries("AAAA", "big.test") == 1)
        #expect(recorder.failures.isEmpty)
    }

    @Test func cancellationEndsAQueryAtOnce() async throws {
        let dns = try DnsmasqServer(.init(silentDomains: ["silent.example"]))
        let recorder = ReportRecorder()
        let policy = DNSQueryPolicy(timeout: .seconds(60), attempts: 5)
        let source = self.source(
            .addresses(name: "web.silent.example", port: 80),
            resolvers: [dns.endpoint],
            policy: policy
        )
        let task = Task { await source.run(recorder.report) }
        #expect(await eventually { dns.queries("A", "web.silent.example") >= 1 })
        let clock = ContinuousClock()
        let cancelled = clock.now
        task.cancel()
        await task.value
        // The query would wait 60 s (5 times); the cancellation ends it.
        #expect(clock.now - cancelled < .seconds(5))
        #expect(recorder.events.isEmpty)
    }

    @Test func cancellationEndsTheWaitForTheNextRoundAtOnce() async throws {
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["10.0.0.1"])], ttl: 300))
        let recorder = ReportRecorder()
        let task = Task {
            await self.source(.addresses(name: "web.test", port: 80), resolvers: [dns.endpoint]).run(recorder.report)
        }
        #expect(await eventually { recorder.snapshots.count == 1 })
        let clock = ContinuousClock()
        let cancelled = clock.now
        task.cancel()
        await task.value
        #expect(clock.now - cancelled < .seconds(5))
        #expect(recorder.snapshots.count == 1)
    }

    /// Every query's socket is closed. Other suites run in parallel in this process and open descriptors of their
    /// own, so the count is compared within a margin far below the number of sockets the rounds opened (two UDP
    /// sockets a round: a leak would show by hundreds).
    @Test func manyRoundsLeaveNoSocketOpen() async throws {
        func openFileDescriptors() -> Int {
            (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? .max
        }
        let dns = try DnsmasqServer(.init(hosts: [.init("web.test", ["10.0.0.1", "fd00::1"])], ttl: 60))
        let recorder = ReportRecorder()
        let source = self.source(
            .addresses(name: "web.test", port: 80),
            resolvers: [dns.endpoint],
            interval: .milliseconds(10)
        )
        let rounds = 200
        var before = 0
        await self.running(source, recorder) {
            // Warm up: NIO's lazily created resources are not leaks.
            #expect(await eventually { recorder.snapshots.count >= 5 })
            before = openFileDescriptors()
            #expect(await eventually(timeout: .seconds(60)) { recorder.snapshots.count >= 5 + rounds })
        }
        #expect(recorder.failures.isEmpty)
        #expect(
            await eventually { openFileDescriptors() <= before + 20 },
            "before: \(before), after: \(openFileDescriptors())"
        )
    }
}
