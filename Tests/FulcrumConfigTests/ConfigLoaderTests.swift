import Foundation
import FulcrumBalancing
import FulcrumConfig
import FulcrumNet
import Testing

struct ConfigLoaderTests {
    /// The example of SPEC §2, verbatim, with its token file beside it.
    static let specExample = """
        admin:                          # optional; no admin server if absent
          listen: 127.0.0.1:9901
          token_file: ./admin-token     # optional; when set, every mutating request needs
                                        # "Authorization: Bearer <token>" (read endpoints stay open)

        shutdown_grace: 30s             # optional, default 30s

        services:                       # a map: the key is the service name ([A-Za-z0-9_.-]+)
          web:
            protocol: tcp               # tcp (default) | udp
            listen: ["0.0.0.0:8080", "[::]:8080"]     # one string or a list
            balance: round_robin        # see 2.1; default round_robin
            connect_timeout: 3s         # tcp: time to establish the backend connection (default 3s)
            idle_timeout: 5m            # tcp: close when neither side sent anything for this long (default 5m)
                                        # udp: a client flow's session ends after this long with no packet (default 30s)
            retries: 2                  # tcp: on connect failure, try up to N other backends (default 2)
            max_connections: 10000      # optional; over it, new connections are closed at once and counted
            max_connections_per_source: 100   # optional; per client IP
            allow: ["10.0.0.0/8", "::1/128"]  # optional CIDR allow-list (absent = allow all)
            deny: ["10.1.2.0/24"]             # optional CIDR deny-list, checked after allow
            proxy_protocol: none        # none (default) | v1 | v2 — header sent to every backend connection;
                                        # udp services: v2 only, a DGRAM header prepended to every datagram
            accept_proxy_protocol: false  # true: every client connection must start with a v1 or v2 header;
                                          # the address it carries is the client for ACLs, hashing, logs and
                                          # any header sent on; a missing/malformed header closes the connection
            hash_key: source_ip         # source_hash/maglev: source_ip (default) | source_ip_port
            health_check:               # optional; without it every backend counts as up
              interval: 2s
              timeout: 1s
              rise: 2                   # consecutive successes to mark up
              fall: 3                   # consecutive failures to mark down
              port: 9100                # optional: probe this port instead of the backend's
              send: "PING\\r\\n"          # optional: bytes to send after connect (tcp services)
              expect: "PONG"            # optional: the reply must contain this (tcp services)
                                        # udp services: send is required, expect optional
            backends:
              - address: 127.0.0.1:9001   # IP literal or host name (resolved at load/reload)
                weight: 1               # 0..10000, default 1; 0 = no new connections
              - address: "[::1]:9002"
                weight: 3
                max_connections: 500    # optional per-backend cap; a full backend is skipped
        """

    @Test func specExampleLoadsWithEveryValue() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "  s3cret-token \n".write(
            to: folder.appendingPathComponent("admin-token"),
            atomically: true,
            encoding: .utf8
        )
        let path = folder.appendingPathComponent("fulcrum.yaml").path
        try Self.specExample.write(toFile: path, atomically: true, encoding: .utf8)

        let result = ConfigLoader(resolver: FakeResolver()).load(path: path)
        // The only remark is about hash_key, which round_robin does not use.
        #expect(result.errors.isEmpty)
        #expect(
            result.warnings.map(\.message) == [
                "service 'web': hash_key has no effect with balance round_robin (only source_hash and maglev hash)"
            ]
        )
        let configuration = try #require(result.configuration)
        #expect(configuration.sourcePath == path)
        #expect(configuration.shutdownGrace == .seconds(30))
        #expect(
            configuration.admin
                == AdminSettings(
                    listen: IPEndpoint("127.0.0.1:9901")!,
                    tokenFile: folder.path + "/admin-token",
                    token: "s3cret-token"
                )
        )
        let expected = ServiceConfig(
            name: "web",
            protocol: .tcp,
            listen: [IPEndpoint("0.0.0.0:8080")!, IPEndpoint("[::]:8080")!],
            balance: .roundRobin,
            hashKey: .sourceIP,
            connectTimeout: .seconds(3),
            idleTimeout: .seconds(300),
            retries: 2,
            maxConnections: 10000,
            maxConnectionsPerSource: 100,
            allow: [CIDR("10.0.0.0/8")!, CIDR("::1/128")!],
            deny: [CIDR("10.1.2.0/24")!],
            proxyProtocol: .none,
            acceptProxyProtocol: false,
            healthCheck: HealthCheckConfig(
                interval: .seconds(2),
                timeout: .seconds(1),
                rise: 2,
                fall: 3,
                port: 9100,
                send: Array("PING\r\n".utf8),
                expect: Array("PONG".utf8)
            ),
            backends: [
                BackendConfig(
                    address: "127.0.0.1:9001",
                    endpoint: IPEndpoint("127.0.0.1:9001")!,
                    weight: 1,
                    maxConnections: nil
                ),
                BackendConfig(
                    address: "[::1]:9002",
                    endpoint: IPEndpoint("[::1]:9002")!,
                    weight: 3,
                    maxConnections: 500
                ),
            ]
        )
        #expect(configuration.services == [expected])
    }

    @Test func defaultsForAMinimalTCPService() throws {
        let result = parse("services:\n  web:\n    listen: 0.0.0.0:80\n    backends:\n      - address: 10.0.0.1:80\n")
        #expect(lines(result).isEmpty)
        let configuration = try #require(result.configuration)
        #expect(configuration.admin == nil)
        #expect(configuration.shutdownGrace == Configuration.defaultShutdownGrace)
        let service = try #require(configuration.services.first)
        #expect(service.protocol == .tcp)
        #expect(service.listen == [IPEndpoint("0.0.0.0:80")!])
        #expect(service.balance == .roundRobin)
        #expect(service.hashKey == .sourceIP)
        #expect(service.connectTimeout == .seconds(3))
        #expect(service.idleTimeout == .seconds(300))
        #expect(service.retries == 2)
        #expect(service.maxConnections == nil)
        #expect(service.maxConnectionsPerSource == nil)
        #expect(service.allow == nil)
        #expect(service.deny == [])
        #expect(service.proxyProtocol == ProxyProtocolVersion.none)
        #expect(service.acceptProxyProtocol == false)
        #expect(service.healthCheck == nil)
        #expect(
            service.backends == [
                BackendConfig(
                    address: "10.0.0.1:80",
                    endpoint: IPEndpoint("10.0.0.1:80")!,
                    weight: 1,
                    maxConnections: nil
                )
            ]
        )
    }

    @Test func defaultsForAUDPServiceAndHealthCheck() throws {
        let result = parse(
            """
            services:
              dns:
                protocol: udp
                listen: "[::1]:5353"
                proxy_protocol: v2
                health_check:
                  send: "\\x00\\x01"
                backends: [{address: "[::1]:53", weight: 0}]
            """
        )
        #expect(lines(result).isEmpty)
        let service = try #require(result.configuration?.services.first)
        #expect(service.protocol == .udp)
        #expect(service.idleTimeout == .seconds(30))
        #expect(service.proxyProtocol == .v2)
        #expect(
            service.healthCheck
                == HealthCheckConfig(
                    interval: .seconds(2),
                    timeout: .seconds(1),
                    rise: 2,
                    fall: 3,
                    port: nil,
                    send: [0, 1],
                    expect: nil
                )
        )
        #expect(service.backends.map(\.weight) == [0])
    }

    @Test func healthCheckTimeoutDefaultsToAShortInterval() throws {
        let result = parse(
            """
            services:
              web:
                listen: 0.0.0.0:80
                health_check: {interval: 500ms}
                backends: []
            """
        )
        #expect(result.errors.isEmpty)
        let check = try #require(result.configuration?.services.first?.healthCheck)
        #expect(check.interval == .milliseconds(500))
        #expect(check.timeout == .milliseconds(500))
    }

    /// SPEC §8.5: a timeout longer than the interval is valid (probes never overlap; the next waits for a slow one).
    @Test func healthCheckTimeoutMayExceedTheInterval() throws {
        let result = parse(
            """
            services:
              web:
                listen: 0.0.0.0:80
                health_check: {interval: 1s, timeout: 5s}
                backends: []
            """
        )
        #expect(result.errors.isEmpty)
        let check = try #require(result.configuration?.services.first?.healthCheck)
        #expect(check.interval == .seconds(1))
        #expect(check.timeout == .seconds(5))
    }

    @Test func healthCheckProbeBytes() throws {
        let result = parse(
            """
            services:
              web:
                listen: 0.0.0.0:80
                health_check:
                  timeout: 2s
                  interval: 2s
                  send: !!binary AAH/
                  expect: 'ok\\n'
                backends: []
            """
        )
        #expect(result.errors.isEmpty)
        let check = try #require(result.configuration?.services.first?.healthCheck)
        #expect(check.send == [0x00, 0x01, 0xFF])
        // Single quotes do not process escapes: the bytes are a backslash and an 'n'.
        #expect(check.expect == Array("ok\\n".utf8))
        #expect(check.timeout == .seconds(2))
    }

    @Test func everyBalanceAndItsSettings() throws {
        let result = parse(
            """
            services:
              a: {listen: "0.0.0.0:1", balance: round_robin, backends: []}
              b: {listen: "0.0.0.0:2", balance: least_connections, backends: []}
              c: {listen: "0.0.0.0:3", balance: power_of_two, backends: []}
              d: {listen: "0.0.0.0:4", balance: random, backends: []}
              e: {listen: "0.0.0.0:5", balance: source_hash, hash_key: source_ip_port, backends: []}
              f: {listen: "0.0.0.0:6", balance: maglev, backends: []}
              g: {listen: "0.0.0.0:7", balance: maglev, maglev_table_size: 5000011, backends: []}
              h: {listen: "0.0.0.0:8", balance: maglev, maglev_table_size: 7, backends: []}
            """
        )
        #expect(result.errors.isEmpty)
        let services = try #require(result.configuration?.services)
        #expect(
            services.map(\.balance) == [
                .roundRobin, .leastConnections, .powerOfTwo, .random, .sourceHash, .maglev(tableSize: 65537),
                .maglev(tableSize: 5_000_011), .maglev(tableSize: 7),
            ]
        )
        #expect(services.map(\.name) == ["a", "b", "c", "d", "e", "f", "g", "h"])
        #expect(services[4].hashKey == .sourceIPPort)
        #expect(result.warnings.count == 8)
    }

    @Test func durationUnitsAndSingleValueLists() throws {
        let result = parse(
            """
            shutdown_grace: 0s
            services:
              web:
                listen: 127.0.0.1:80
                connect_timeout: 1500ms
                idle_timeout: 2h
                allow: 192.168.0.1
                deny: []
                accept_proxy_protocol: true
                proxy_protocol: v1
                backends: [{address: 10.0.0.1:80}]
            """
        )
        #expect(lines(result).isEmpty)
        let configuration = try #require(result.configuration)
        #expect(configuration.shutdownGrace == .zero)
        let service = try #require(configuration.services.first)
        #expect(service.connectTimeout == .milliseconds(1500))
        #expect(service.idleTimeout == .seconds(7200))
        #expect(service.allow == [CIDR("192.168.0.1/32")!])
        #expect(service.acceptProxyProtocol)
        #expect(service.proxyProtocol == .v1)
    }

    @Test func anEmptyServicesMappingIsValidWithAWarning() throws {
        let result = parse("services: {}\n")
        #expect(result.errors.isEmpty)
        #expect(lines(result) == ["fulcrum.yaml:1:1: warning: no services are defined"])
        #expect(result.configuration?.services == [])
    }

    @Test func anEmptyPoolIsValidWithAWarning() throws {
        let result = parse("services:\n  web:\n    listen: 0.0.0.0:80\n    backends: []\n")
        #expect(result.errors.isEmpty)
        #expect(result.warnings.map(\.description) == ["fulcrum.yaml:4:5: warning: service 'web' has no backends"])
        #expect(result.configuration?.services.first?.backends == [])
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let result = parse(
            """
            x-defaults: &defaults
              balance: maglev
              connect_timeout: 1s
              backends: &pool
                - address: 10.0.0.1:80
                - address: 10.0.0.2:80
            services:
              web:
                <<: *defaults
                listen: 0.0.0.0:80
                connect_timeout: 2s
              api:
                <<: [*defaults]
                listen: 0.0.0.0:81
                balance: random
                backends: *pool
            """
        )
        #expect(lines(result).isEmpty)
        let services = try #require(result.configuration?.services)
        #expect(services.map(\.name) == ["web", "api"])
        #expect(services[0].balance == .maglev(tableSize: 65537))
        #expect(services[0].connectTimeout == .seconds(2))
        #expect(services[1].balance == .random)
        #expect(services[1].connectTimeout == .seconds(1))
        #expect(
            services.map { $0.backends.map(\.address) } == [
                ["10.0.0.1:80", "10.0.0.2:80"], ["10.0.0.1:80", "10.0.0.2:80"],
            ]
        )
    }

    @Test func anErrorInsideAnAliasIsReportedAtTheAnchorForEachUser() {
        let result = parse(
            """
            x-pool: &pool
              - address: 10.0.0.1:80
                weight: heavy
            services:
              web: {listen: 0.0.0.0:80, backends: *pool}
              api: {listen: 0.0.0.0:81, backends: *pool}
            """
        )
        #expect(
            lines(result) == [
                "fulcrum.yaml:3:13: service 'web': backend 1: weight must be an integer from 0 to 10000, found 'heavy'",
                "fulcrum.yaml:3:13: service 'api': backend 1: weight must be an integer from 0 to 10000, found 'heavy'",
            ]
        )
    }

    @Test func integersMayBeQuotedButNotSigned() throws {
        let result = parse(
            """
            services:
              web:
                listen: 0.0.0.0:80
                retries: "3"
                backends: [{address: 10.0.0.1:80, weight: +2}]
            """
        )
        #expect(
            lines(result) == [
                "fulcrum.yaml:5:47: service 'web': backend 1: weight must be an integer from 0 to 10000, found '+2'"
            ]
        )
    }

    @Test func nestedMergeKeysCannotExplode() {
        // Ten levels of ten-fold merges would be 10^10 keys.
        var yaml = "x-0: &a0 {retries: 1}\n"
        for level in 1...10 {
            let aliases = [String](repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            yaml += "x-\(level): &a\(level) {<<: [\(aliases)]}\n"
        }
        yaml += "services:\n  web:\n    <<: *a10\n    listen: 0.0.0.0:80\n    backends: []\n"
        let result = parse(yaml)
        #expect(result.configuration == nil)
        #expect(
            result.errors.first?.message
                == "service 'web': merge keys expand to more than 100000 keys; nest them less"
        )
    }
}
