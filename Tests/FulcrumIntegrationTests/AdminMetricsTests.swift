import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// `GET /metrics` of a real `fulcrum run` (SPEC §4), read by the reference Python parser, and the Grafana dashboard
/// in contrib/ checked against it.
@Suite("admin metrics")
struct AdminMetricsTests {
    /// Every SPEC §4 family: type and label names.
    static let specFamilies: [(name: String, type: String, labels: Set<String>)] = [
        ("fulcrum_connections_total", "counter", ["service", "backend"]),
        ("fulcrum_active_connections", "gauge", ["service", "backend"]),
        ("fulcrum_bytes_total", "counter", ["service", "backend", "direction"]),
        ("fulcrum_backend_up", "gauge", ["service", "backend"]),
        ("fulcrum_connect_failures_total", "counter", ["service", "backend"]),
        ("fulcrum_rejected_connections_total", "counter", ["service", "reason"]),
        ("fulcrum_udp_sessions_active", "gauge", ["service"]),
        ("fulcrum_connect_duration_seconds", "histogram", ["service"]),
        ("fulcrum_balancer_table_info", "gauge", ["service", "fingerprint"]),
    ]

    @Test(
        "the exposition parses with prometheus_client, has every SPEC name and label, and counters rise with traffic",
        .enabled(if: ExternalTools.prometheusParser, "needs python3 with prometheus_client (pip install it)")
    )
    func exposition() throws {
        let backends = try [LoopbackServer(), LoopbackServer()]
        let dead = IPEndpoint(address: AdminFixture.localhost, port: freeLoopbackPort())
        let port = freeLoopbackPort()
        let hashPort = freeLoopbackPort()
        let flakyPort = freeLoopbackPort()
        let services = AdminFixture.service("web", port: port, backends: backends.map(\.endpoint))
            + AdminFixture.service("hash", port: hashPort, balance: "maglev", backends: backends.map(\.endpoint))
            + AdminFixture.service("flaky", port: flakyPort, backends: [dead, backends[0].endpoint])
        let fixture = try AdminFixture(services: services)
        let admin = fixture.admin
        let web = backends.map(\.endpoint.description)

        let before = try Exposition.scrape(admin)
        for family in Self.specFamilies {
            let found = try #require(before.families[family.name], "family \(family.name) missing")
            #expect(found.type == family.type, "\(family.name) type")
            for sample in found.samples where !sample.name.hasSuffix("_bucket") {
                #expect(Set(sample.labels.keys) == family.labels, "\(sample.name) labels \(sample.labels)")
            }
        }
        #expect(before.value("fulcrum_connections_total", ["service": "web", "backend": web[0]]) == 0)
        #expect(before.value("fulcrum_backend_up", ["service": "web", "backend": web[0]]) == 1)
        let fingerprint = try #require(try admin.service("hash")?["table_fingerprint"] as? String)
        #expect(before.value("fulcrum_balancer_table_info", ["service": "hash", "fingerprint": fingerprint]) == 1)
        #expect(before.samples("fulcrum_balancer_table_info").count == 1, "round robin has no table")
        let reasons = Set(before.samples("fulcrum_rejected_connections_total").filter { $0.labels["service"] == "web" }
            .compactMap { $0.labels["reason"] })
        #expect(reasons == ["max_connections", "max_connections_per_source", "acl", "no_backend", "proxy_protocol"])

        // Traffic: 10 connections of 1000 bytes each way through "web".
        let payload = [UInt8](repeating: 0x41, count: 1000)
        for _ in 0..<10 {
            let client = try TestSocket.connect(to: fixture.endpoint(port: port))
            try client.send(payload)
            _ = try client.receive(exactly: payload.count)
            client.close()
        }
        // Connects to the dead backend of "flaky" fail (and are retried on the other one).
        for _ in 0..<4 {
            let client = try TestSocket.connect(to: fixture.endpoint(port: flakyPort))
            try client.send("x")
            _ = try client.receive(exactly: 1)
            client.close()
        }
        var after = try Exposition.scrape(admin)
        _ = eventually(timeout: .seconds(10)) {
            after = (try? Exposition.scrape(admin)) ?? after
            return after.sum("fulcrum_active_connections", ["service": "web"]) == 0
                && after.sum("fulcrum_bytes_total", ["service": "web", "direction": "tx"]) == 10_000
        }
        #expect(after.sum("fulcrum_connections_total", ["service": "web"]) == 10)
        #expect(after.value("fulcrum_connections_total", ["service": "web", "backend": web[0]]) == 5)
        #expect(after.sum("fulcrum_bytes_total", ["service": "web", "direction": "rx"]) == 10_000)
        #expect(after.sum("fulcrum_bytes_total", ["service": "web", "direction": "tx"]) == 10_000)
        #expect(after.sum("fulcrum_active_connections", ["service": "web"]) == 0)
        #expect(after.value("fulcrum_connect_duration_seconds_count", ["service": "web"]) == 10)
        #expect(after.value("fulcrum_connect_duration_seconds_bucket", ["service": "web", "le": "+Inf"]) == 10)
        #expect((after.value("fulcrum_connect_duration_seconds_sum", ["service": "web"]) ?? 0) > 0)
        let failures = after.value("fulcrum_connect_failures_total", ["service": "flaky", "backend": dead.description])
        #expect((failures ?? 0) >= 1, "connects to a closed port fail")

        // Counters only rise: more traffic, higher values.
        let client = try TestSocket.connect(to: fixture.endpoint(port: port))
        try client.send(payload)
        _ = try client.receive(exactly: payload.count)
        client.close()
        #expect(eventually {
            ((try? Exposition.scrape(admin))?.sum("fulcrum_bytes_total", ["service": "web", "direction": "rx"]) ?? 0)
                == 11_000
        })
        #expect(try Exposition.scrape(admin).sum("fulcrum_connections_total", ["service": "web"]) == 11)

        // A deleted backend's series disappear once it is gone; an added one's appear.
        #expect(try admin.delete("/api/v1/services/web/backends/\(web[1])").status == 202)
        #expect(try admin.post("/api/v1/services/web/backends", #"{"address": "127.0.0.1:9"}"#).status == 201)
        #expect(eventually(timeout: .seconds(10)) {
            ((try? Exposition.scrape(admin))?.samples.contains {
                $0.labels["service"] == "web" && $0.labels["backend"] == web[1]
            }) == false
        })
        let last = try Exposition.scrape(admin)
        #expect(last.value("fulcrum_connections_total", ["service": "web", "backend": "127.0.0.1:9"]) == 0)
        #expect((last.value("fulcrum_connections_total", ["service": "web", "backend": web[0]]) ?? 0) >= 5)
        #expect(fixture.stop() == 0)
    }

    @Test(
        "the Grafana dashboard in contrib/ uses only metric names that /metrics really has",
        .enabled(if: ExternalTools.prometheusParser, "needs python3 with prometheus_client (pip install it)")
    )
    func grafanaDashboardNames() throws {
        let url = repositoryRoot.appendingPathComponent("contrib/grafana-dashboard.json")
        let data = try Data(contentsOf: url)
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 6)
        var expressions: [String] = []
        Self.collectExpressions(dashboard, into: &expressions)
        #expect(expressions.count >= 8)

        let backend = try LoopbackServer()
        let port = freeLoopbackPort()
        let hashPort = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [backend.endpoint])
            + AdminFixture.service("hash", port: hashPort, balance: "maglev", backends: [backend.endpoint]))
        let exposition = try Exposition.scrape(fixture.admin)
        let present = Set(exposition.samples.map(\.name))
        let pattern = try NSRegularExpression(pattern: "\\b(?:fulcrum|process)_[a-z0-9_]+")
        var used = Set<String>()
        for expression in expressions {
            let range = NSRange(expression.startIndex..., in: expression)
            for match in pattern.matches(in: expression, range: range) {
                used.insert(String(expression[Range(match.range, in: expression)!]))
            }
        }
        #expect(used.count >= 8, "\(used)")
        for name in used.sorted() {
            #expect(present.contains(name), "the dashboard uses \(name), which /metrics does not have")
        }
        #expect(fixture.stop() == 0)
    }

    /// Every `expr` string anywhere in the dashboard (panels, targets, template variables).
    static func collectExpressions(_ value: Any, into expressions: inout [String]) {
        if let object = value as? [String: Any] {
            for (key, child) in object {
                if key == "expr" || key == "query", let text = child as? String {
                    expressions.append(text)
                } else if key == "query", let query = child as? [String: Any], let text = query["query"] as? String {
                    expressions.append(text)
                } else {
                    self.collectExpressions(child, into: &expressions)
                }
            }
        } else if let array = value as? [Any] {
            for child in array { self.collectExpressions(child, into: &expressions) }
        }
    }
}

/// A scrape of `/metrics` as the Python `prometheus_client` parser reads it.
struct Exposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    struct Family {
        let type: String
        let samples: [Sample]
    }

    /// By family name as written (a counter's family is `x_total`, as in the exposition).
    let families: [String: Family]
    var samples: [Sample] { self.families.values.flatMap(\.samples) }

    static let parserScript = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        families = {}
        for family in text_string_to_metric_families(open(sys.argv[1], encoding="utf-8").read()):
            name = family.name + "_total" if family.type == "counter" else family.name
            families[name] = {"type": family.type,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples]}
        print(json.dumps(families))
        """

    static func scrape(_ admin: AdminClient) throws -> Exposition {
        let reply = try admin.get("/metrics")
        guard reply.status == 200, reply.headers["content-type"]?.hasPrefix("text/plain") == true else {
            throw AdminTestError( "GET /metrics: \(reply.status)")
        }
        return try self.parse(reply.text)
    }

    static func parse(_ text: String) throws -> Exposition {
        let folder = try TemporaryFolder()
        let input = try folder.write("metrics.txt", text)
        let script = try folder.write("parse.py", Self.parserScript)
        let result = try ToolRun.run("/usr/bin/env", ["python3", script, input])
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            as? [String: [String: Any]]
        else { throw AdminTestError( "prometheus_client could not parse /metrics: \(result.stderr)\n\(text)") }
        var families: [String: Family] = [:]
        for (name, family) in json {
            let samples = (family["samples"] as? [[String: Any]] ?? []).map {
                Sample(
                    name: $0["name"] as? String ?? "", labels: $0["labels"] as? [String: String] ?? [:],
                    value: ($0["value"] as? NSNumber)?.doubleValue ?? .nan)
            }
            families[name] = Family(type: family["type"] as? String ?? "", samples: samples)
        }
        return Exposition(families: families)
    }

    func samples(_ name: String) -> [Sample] { self.samples.filter { $0.name == name } }

    /// The value of the one sample of `name` whose labels include `labels`.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        let matching = self.samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
        return matching.count == 1 ? matching[0].value : nil
    }

    /// The sum over every sample of `name` whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String]) -> Double {
        self.samples(name).filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
            .reduce(0) { $0 + $1.value }
    }
}
