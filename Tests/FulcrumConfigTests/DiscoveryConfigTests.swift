import FulcrumConfig
import FulcrumNet
import Testing

/// `discovery` (SPEC §8.1): what a valid section gives, and every mistake reported at its line and column.
@Suite struct DiscoveryConfigTests {
    func service(_ discovery: String, backends: String = "") -> String {
        "services:\n  db:\n    listen: 127.0.0.1:5432\n    discovery:\n" + discovery + backends
    }

    @Test func dnsNameAndPortWithDefaults() throws {
        let result = parse(self.service("      dns: {name: db.internal, port: 5432}\n"))
        #expect(result.errors.isEmpty, "\(lines(result))")
        let discovery = try #require(result.configuration?.services.first?.discovery)
        #expect(discovery.source == .dns(DNSDiscoveryConfig(query: .addresses(name: "db.internal", port: 5432))))
        #expect(discovery.maxDrop == 0.5)
        #expect(discovery.holdDrop == .seconds(60))
        // No backends key is needed with discovery, and no empty-pool warning is given for it.
        #expect(result.configuration?.services.first?.backends == [])
        #expect(lines(result).isEmpty, "\(lines(result))")
    }

    @Test func dnsServiceWithEverySetting() throws {
        let result = parse(self.service("""
                  dns:
                    srv: _pg._tcp.db.internal
                    resolvers: ["127.0.0.1:5353", "::1", "10.0.0.2"]
                    interval: 10s
                    hold_empty: 30s
                  max_drop: 25%
                  hold_drop: 2m

            """, backends: "    backends:\n      - address: 10.0.0.9:5432\n"))
        #expect(result.errors.isEmpty, "\(lines(result))")
        let service = try #require(result.configuration?.services.first)
        let expected = DNSDiscoveryConfig(
            query: .service(name: "_pg._tcp.db.internal"),
            resolvers: [IPEndpoint("127.0.0.1:5353")!, IPEndpoint("[::1]:53")!, IPEndpoint("10.0.0.2:53")!],
            interval: .seconds(10), holdEmpty: .seconds(30))
        #expect(service.discovery?.source == .dns(expected))
        #expect(service.discovery?.maxDrop == 0.25)
        #expect(service.discovery?.holdDrop == .seconds(120))
        #expect(service.backends.map(\.address) == ["10.0.0.9:5432"])
    }

    @Test func etcdEndpointsAreNormalized() throws {
        let result = parse(self.service("""
                  etcd:
                    endpoints: ["http://127.0.0.1:2379/", "https://etcd.internal", "http://[::1]:23790"]
                    prefix: /fulcrum/db/
                  max_drop: 100%

            """))
        #expect(result.errors.isEmpty, "\(lines(result))")
        let discovery = try #require(result.configuration?.services.first?.discovery)
        #expect(discovery.source == .etcd(EtcdDiscoveryConfig(
            endpoints: ["http://127.0.0.1:2379", "https://etcd.internal:2379", "http://[::1]:23790"],
            prefix: "/fulcrum/db/")))
        #expect(discovery.maxDrop == 1)
    }

    @Test func stateDirResolvesAgainstTheFilesFolder() throws {
        let result = ConfigLoader(resolver: FakeResolver()).parse(
            yaml: "state_dir: ./state\nservices: {}\n", path: "/etc/fulcrum/fulcrum.yaml")
        #expect(result.errors.isEmpty, "\(lines(result))")
        #expect(result.configuration?.stateDirectory == "/etc/fulcrum/state")
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var discovery: String
        var expected: [String]
        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(
            name: "both registries", discovery: "      dns: {name: a.b, port: 1}\n      etcd: {endpoints: http://x, prefix: /p/}\n",
            expected: ["fulcrum.yaml:6:7: service 'db': discovery: give one of 'dns' and 'etcd', not both (a service follows one registry)"]
        ),
        Case(
            name: "neither registry", discovery: "      max_drop: 10%\n",
            expected: ["fulcrum.yaml:4:5: service 'db': discovery: missing required key 'dns' or 'etcd'"]
        ),
        Case(
            name: "unknown key", discovery: "      dns: {name: a.b, port: 1}\n      consul: {}\n",
            expected: ["fulcrum.yaml:6:7: service 'db': discovery: unknown key 'consul' (expected one of: dns, etcd, max_drop, hold_drop)"]
        ),
        Case(
            name: "not a mapping", discovery: "      - dns\n",
            expected: ["fulcrum.yaml:5:7: service 'db': discovery: expected a mapping with 'dns' or 'etcd', found a list"]
        ),
        Case(
            name: "dns name without port", discovery: "      dns: {name: db.internal}\n",
            expected: ["fulcrum.yaml:5:7: service 'db': discovery: dns: missing required key 'port' (A and AAAA records carry no port)"]
        ),
        Case(
            name: "dns neither name nor srv", discovery: "      dns: {port: 5432}\n",
            expected: ["fulcrum.yaml:5:7: service 'db': discovery: dns: missing required key 'name' (with 'port') or 'srv'"]
        ),
        Case(
            name: "dns name and srv", discovery: "      dns:\n        name: a.b\n        port: 1\n        srv: _x._tcp.a.b\n",
            expected: ["fulcrum.yaml:8:9: service 'db': discovery: dns: give 'name' (with 'port') or 'srv', not both (SRV records carry their own ports)"]
        ),
        Case(
            name: "srv with port", discovery: "      dns: {srv: _x._tcp.a.b, port: 5}\n",
            expected: ["fulcrum.yaml:5:31: service 'db': discovery: dns: port has no effect with srv (SRV records carry their own ports)"]
        ),
        Case(
            name: "bad name, port, resolver, interval",
            discovery: "      dns:\n        name: db..internal\n        port: 70000\n        resolvers: [db.internal, 1.2.3.4:0]\n        interval: 500ms\n",
            expected: [
                "fulcrum.yaml:6:15: service 'db': discovery: dns: name must be a DNS name such as db.internal, found 'db..internal'",
                "fulcrum.yaml:7:15: service 'db': discovery: dns: port must be an integer from 1 to 65535, found '70000'",
                "fulcrum.yaml:8:21: service 'db': discovery: dns: resolvers entries must be IP addresses with an optional port, such as 127.0.0.1:53 or [::1]:53, found 'db.internal'",
                "fulcrum.yaml:8:34: service 'db': discovery: dns: resolvers entries must be IP addresses with an optional port, such as 127.0.0.1:53 or [::1]:53, found '1.2.3.4:0'",
                "fulcrum.yaml:9:19: service 'db': discovery: dns: interval must be at least 1s (a registry is not asked more than once a second), found '500ms'",
            ]
        ),
        Case(
            name: "etcd without endpoints or prefix", discovery: "      etcd: {}\n",
            expected: [
                "fulcrum.yaml:5:7: service 'db': discovery: etcd: missing required key 'endpoints'",
                "fulcrum.yaml:5:7: service 'db': discovery: etcd: missing required key 'prefix'",
            ]
        ),
        Case(
            name: "bad etcd URLs",
            discovery: "      etcd:\n        endpoints: [127.0.0.1:2379, \"http://h:2379/v3\", \"http://h:99999\", []]\n        prefix: /p/\n",
            expected: [
                "fulcrum.yaml:6:21: service 'db': discovery: etcd: endpoints entries must be URLs such as http://127.0.0.1:2379, found '127.0.0.1:2379' (it must start with http:// or https://)",
                "fulcrum.yaml:6:37: service 'db': discovery: etcd: endpoints entries must be URLs such as http://127.0.0.1:2379, found 'http://h:2379/v3' (a path is not allowed, only scheme, host and port)",
                "fulcrum.yaml:6:57: service 'db': discovery: etcd: endpoints entries must be URLs such as http://127.0.0.1:2379, found 'http://h:99999' (the port must be 1 to 65535)",
                "fulcrum.yaml:6:75: service 'db': discovery: etcd: endpoints entries must be URLs such as http://127.0.0.1:2379, found a list (it must start with http:// or https://)",
            ]
        ),
        Case(
            name: "empty etcd prefix, prefix without slash",
            discovery: "      etcd: {endpoints: http://h, prefix: \"\"}\n",
            expected: ["fulcrum.yaml:5:43: service 'db': discovery: etcd: prefix must not be empty (it would take every key of the cluster)"]
        ),
        Case(
            name: "prefix without a trailing slash is a warning",
            discovery: "      etcd: {endpoints: http://h, prefix: /fulcrum/db}\n",
            expected: ["fulcrum.yaml:5:43: warning: service 'db': discovery: etcd: prefix '/fulcrum/db' does not end with '/': it also takes keys such as '/fulcrum/db2/...'"]
        ),
        Case(
            name: "bad max_drop and hold_drop",
            discovery: "      dns: {name: a.b, port: 1}\n      max_drop: 0.5\n      hold_drop: 1.5s\n",
            expected: [
                "fulcrum.yaml:6:17: service 'db': discovery: max_drop must be a percentage from 0% to 100% such as 50%, found '0.5'",
                "fulcrum.yaml:7:18: service 'db': discovery: hold_drop must be a whole number with a unit (ms, s, m or h) such as 250ms or 5s, found '1.5s' (fractions are not allowed; write '1500ms')",
            ]
        ),
        Case(
            name: "max_drop over 100%", discovery: "      dns: {name: a.b, port: 1}\n      max_drop: 150%\n",
            expected: ["fulcrum.yaml:6:17: service 'db': discovery: max_drop must be a percentage from 0% to 100% such as 50%, found '150%'"]
        ),
    ]

    @Test(arguments: DiscoveryConfigTests.cases)
    func reportsEveryMistakeWhereItIs(_ testCase: Case) {
        let result = parse(self.service(testCase.discovery))
        #expect(lines(result) == testCase.expected)
    }

    @Test func withoutDiscoveryBackendsStayRequired() {
        let result = parse("services:\n  db:\n    listen: 127.0.0.1:5432\n")
        #expect(lines(result) == ["fulcrum.yaml:2:3: service 'db': missing required key 'backends' (or 'discovery')"])
    }

    @Test func stateDirMustNotBeAFile() {
        let result = ConfigLoader(resolver: FakeResolver()).parse(
            yaml: "state_dir: /etc/hostname\nservices: {}\n", path: "f.yaml")
        #expect(lines(result).first == "f.yaml:1:12: state_dir '/etc/hostname' is a file, not a folder")
    }
}
