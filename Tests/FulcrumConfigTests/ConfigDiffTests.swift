import FulcrumConfig
import Foundation
import Testing

/// `fulcrum diff` and the reload dry run: what changed, per service, named as SPEC §1 and §7 show.
struct ConfigDiffTests {
    private func configuration(_ yaml: String) throws -> Configuration {
        let result = parse(yaml)
        #expect(result.errors.isEmpty, "\(result.errors)")
        return try #require(result.configuration)
    }

    private func changes(_ old: String, _ new: String) throws -> [ServiceChange] {
        describeChanges(old: try self.configuration(old), new: try self.configuration(new))
    }

    static let maglev = """
        services:
          web:
            listen: 0.0.0.0:80
            balance: maglev
            backends:
              - address: 10.0.0.1:80
              - address: 10.0.0.2:80
              - address: 10.0.0.3:80
              - address: 10.0.0.4:80
        """

    @Test func identicalConfigurationsHaveNoChanges() throws {
        let old = try self.configuration(Self.maglev)
        #expect(describeChanges(old: old, new: old).isEmpty)
        #expect(describeGlobalChanges(old: old, new: old).isEmpty)
    }

    /// SPEC §8.1: any difference in `discovery` (added, removed, changed) is named `NAME: discovery changed`.
    @Test func discoveryChangesAreNamedAsOne() throws {
        let base = "services:\n  db:\n    listen: 0.0.0.0:5432\n    backends: []\n"
        let dns = base + "    discovery: {dns: {name: db.internal, port: 5432}}\n"
        let etcd = base + "    discovery: {etcd: {endpoints: http://127.0.0.1:2379, prefix: /db/}}\n"
        let otherPrefix = base + "    discovery: {etcd: {endpoints: http://127.0.0.1:2379, prefix: /db2/}}\n"
        for (old, new) in [(base, dns), (dns, base), (dns, etcd), (etcd, otherPrefix)] {
            #expect(try self.changes(old, new).flatMap { $0.lines() } == ["db: discovery changed"])
        }
        #expect(try self.changes(etcd, etcd).isEmpty)
    }

    @Test func orderAloneIsNoChange() throws {
        let changes = try self.changes(
            """
            services:
              web:
                listen: [0.0.0.0:80, "[::]:80"]
                allow: [10.0.0.0/8, 192.168.0.0/16]
                backends: [{address: 10.0.0.1:80}, {address: 10.0.0.2:80}]
            """,
            """
            services:
              web:
                listen: ["[::]:80", 0.0.0.0:80]
                allow: [192.168.0.0/16, 10.0.0.0/8]
                backends: [{address: 10.0.0.2:80}, {address: 10.0.0.1:80}]
            """
        )
        #expect(changes.isEmpty)
    }

    @Test func servicesAddedAndRemoved() throws {
        let changes = try self.changes(
            "services:\n  old: {listen: 0.0.0.0:80, backends: []}\n  kept: {listen: 0.0.0.0:81, backends: []}\n",
            "services:\n  kept: {listen: 0.0.0.0:81, backends: []}\n  new: {listen: 0.0.0.0:82, backends: []}\n"
        )
        #expect(changes.map(\.kind) == [.added, .removed])
        #expect(changes.flatMap { $0.lines() } == ["new: service added", "old: service removed"])
        #expect(changes.allSatisfy { !$0.hashComparable && !$0.hashTableChanged })
    }

    @Test func aRemovedBackendOfAHashServiceGivesTheShareOfFlows() throws {
        let changes = try self.changes(
            Self.maglev, Self.maglev.replacingOccurrences(of: "\n      - address: 10.0.0.4:80", with: "")
        )
        let change = try #require(changes.first)
        #expect(changes.count == 1)
        #expect(change.kind == .changed)
        #expect(change.changes == [ConfigChange(.backendRemoved(address: "10.0.0.4:80"))])
        #expect(change.hashComparable)
        #expect(change.hashTableChanged)
        #expect(!change.balanceChanged)
        #expect(change.lines(flowsMoved: 0.0984) == ["web: 9.8% of flows move (backend 10.0.0.4:80 removed)"])
        #expect(change.lines(flowsMoved: 1) == ["web: 100.0% of flows move (backend 10.0.0.4:80 removed)"])
        #expect(change.lines(flowsMoved: 0.00049) == ["web: 0.0% of flows move (backend 10.0.0.4:80 removed)"])
        #expect(change.lines() == ["web: backend 10.0.0.4:80 removed"])
    }

    @Test func aBalanceChangeToHashingIsNotComparable() throws {
        let changes = try self.changes(
            Self.maglev.replacingOccurrences(of: "balance: maglev", with: "balance: round_robin"), Self.maglev
        )
        let change = try #require(changes.first)
        #expect(change.changes == [ConfigChange(.settingChanged(key: "balance", old: "round_robin", new: "maglev"))])
        #expect(change.balanceChanged)
        #expect(!change.hashComparable)
        #expect(change.hashTableChanged)
        #expect(
            change.lines(flowsMoved: 0.5) == [
                "web: balance round_robin -> maglev", "web: flows not comparable (balance changed)",
            ]
        )
    }

    @Test func aBalanceChangeBetweenHashAlgorithmsIsComparable() throws {
        let changes = try self.changes(
            Self.maglev.replacingOccurrences(of: "balance: maglev", with: "balance: source_hash"), Self.maglev
        )
        let change = try #require(changes.first)
        #expect(change.balanceChanged)
        #expect(change.hashComparable)
        #expect(change.lines(flowsMoved: 0.75) == ["web: 75.0% of flows move (balance source_hash -> maglev)"])
    }

    @Test func aBalanceChangeBetweenLoadAlgorithmsSaysNothingAboutFlows() throws {
        let changes = try self.changes(
            Self.maglev.replacingOccurrences(of: "balance: maglev", with: "balance: random"),
            Self.maglev.replacingOccurrences(of: "balance: maglev", with: "balance: least_connections")
        )
        let change = try #require(changes.first)
        #expect(change.balanceChanged)
        #expect(!change.hashTableChanged)
        #expect(change.lines() == ["web: balance random -> least_connections"])
    }

    @Test func tableSizeAndHashKey() throws {
        let changes = try self.changes(
            Self.maglev,
            Self.maglev.replacingOccurrences(
                of: "balance: maglev",
                with: "balance: maglev\n    maglev_table_size: 131071\n    hash_key: source_ip_port"
            )
        )
        let change = try #require(changes.first)
        #expect(
            change.changes.map(\.description) == [
                "maglev_table_size 65537 -> 131071", "hash_key source_ip -> source_ip_port",
            ]
        )
        #expect(!change.balanceChanged)
        #expect(change.hashComparable)
        #expect(change.hashTableChanged)
        #expect(
            change.lines(flowsMoved: 0.123) == [
                "web: 12.3% of flows move (maglev_table_size 65537 -> 131071, hash_key source_ip -> source_ip_port)"
            ]
        )
    }

    @Test func backendChangesOnARoundRobinService() throws {
        let changes = try self.changes(
            """
            services:
              web:
                listen: 0.0.0.0:80
                backends:
                  - {address: 10.0.0.1:80, weight: 1}
                  - {address: 10.0.0.2:80}
                  - {address: 10.0.0.3:80, max_connections: 5}
            """,
            """
            services:
              web:
                listen: 0.0.0.0:80
                backends:
                  - {address: 10.0.0.9:80}
                  - {address: 10.0.0.1:80, weight: 3}
                  - {address: 10.0.0.3:80}
            """
        )
        let change = try #require(changes.first)
        #expect(
            change.lines() == [
                "web: backend 10.0.0.2:80 removed, backend 10.0.0.9:80 added, backend 10.0.0.1:80 weight 1 -> 3, "
                    + "backend 10.0.0.3:80 max_connections 5 -> none"
            ]
        )
        #expect(!change.hashComparable)
        #expect(!change.hashTableChanged)
    }

    @Test func aWeightChangeOnAHashServiceChangesItsTable() throws {
        let changes = try self.changes(
            Self.maglev, Self.maglev.replacingOccurrences(of: "10.0.0.2:80", with: "10.0.0.2:80\n        weight: 0")
        )
        let change = try #require(changes.first)
        #expect(change.changes.map(\.description) == ["backend 10.0.0.2:80 weight 1 -> 0"])
        #expect(change.hashTableChanged)
    }

    @Test func aNonHashingChangeOnAHashServiceLeavesTheTable() throws {
        let changes = try self.changes(
            Self.maglev,
            Self.maglev.replacingOccurrences(of: "balance: maglev", with: "balance: maglev\n    retries: 0")
        )
        let change = try #require(changes.first)
        #expect(change.changes.map(\.description) == ["retries 2 -> 0"])
        #expect(change.hashComparable)
        #expect(!change.hashTableChanged)
    }

    @Test func everyOtherSettingIsNamed() throws {
        let changes = try self.changes(
            """
            services:
              web:
                listen: 0.0.0.0:80
                backends: [{address: 10.0.0.1:80}]
                health_check: {send: "PING\\r\\n"}
            """,
            """
            services:
              web:
                listen: [0.0.0.0:80, "[::]:80"]
                connect_timeout: 1500ms
                idle_timeout: 1h
                retries: 3
                max_connections: 100
                max_connections_per_source: 10
                allow: [10.0.0.0/8]
                deny: [10.1.0.0/16, 10.2.0.0/16]
                proxy_protocol: v2
                accept_proxy_protocol: true
                health_check: {interval: 5s, timeout: 2s, rise: 1, fall: 2, port: 9100, send: "HELLO", expect: "\\x01"}
                backends: [{address: 10.0.0.1:80}]
            """
        )
        let change = try #require(changes.first)
        #expect(
            change.changes.map(\.description) == [
                "listen 0.0.0.0:80 -> 0.0.0.0:80 [::]:80",
                "connect_timeout 3s -> 1500ms",
                "idle_timeout 5m -> 1h",
                "retries 2 -> 3",
                "max_connections none -> 100",
                "max_connections_per_source none -> 10",
                "allow any -> 10.0.0.0/8",
                "deny none -> 10.1.0.0/16 10.2.0.0/16",
                "proxy_protocol none -> v2",
                "accept_proxy_protocol false -> true",
                "health_check.interval 2s -> 5s",
                "health_check.timeout 1s -> 2s",
                "health_check.rise 2 -> 1",
                "health_check.fall 3 -> 2",
                "health_check.port none -> 9100",
                "health_check.send \"PING\\r\\n\" -> \"HELLO\"",
                "health_check.expect none -> \"\\x01\"",
            ]
        )
    }

    @Test func healthCheckAddedAndRemovedAndProtocolChanged() throws {
        let tcp = "services:\n  s: {listen: 0.0.0.0:53, health_check: {}, backends: []}\n"
        let udp = "services:\n  s: {protocol: udp, listen: 0.0.0.0:53, backends: []}\n"
        let forward = try #require(try self.changes(tcp, udp).first)
        #expect(
            forward.changes.map(\.description) == [
                "protocol tcp -> udp", "idle_timeout 5m -> 30s", "health_check removed",
            ]
        )
        let backward = try #require(try self.changes(udp, tcp).first)
        #expect(
            backward.changes.map(\.description) == [
                "protocol udp -> tcp", "idle_timeout 30s -> 5m", "health_check added",
            ]
        )
    }

    @Test func globalChanges() throws {
        let none = try self.configuration("services: {}\n")
        let admin = try self.configuration("shutdown_grace: 90s\nadmin: {listen: 127.0.0.1:9901}\nservices: {}\n")
        let moved = try self.configuration("admin: {listen: '[::1]:9902'}\nservices: {}\n")
        #expect(describeGlobalChanges(old: none, new: admin) == ["shutdown_grace: 30s -> 90s", "admin: added"])
        #expect(describeGlobalChanges(old: admin, new: none) == ["shutdown_grace: 90s -> 30s", "admin: removed"])
        #expect(
            describeGlobalChanges(old: admin, new: moved) == [
                "shutdown_grace: 90s -> 30s", "admin: listen 127.0.0.1:9901 -> [::1]:9902",
            ]
        )
        #expect(describeChanges(old: none, new: admin).isEmpty)
    }
}
