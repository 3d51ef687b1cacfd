import FulcrumHealth
import Prometheus
import Testing

@testable import FulcrumAdmin
@testable import FulcrumControl

@Suite("metrics exporter")
struct MetricsExporterTests {
    static func backend(_ address: String, total: Int, bytesIn: Int = 0, removing: Bool = false) -> BackendStatus {
        BackendStatus(
            address: address, endpoint: address, weight: 1, state: removing ? .draining : .enabled, health: .up,
            removing: removing, origin: .config, activeConnections: 0, totalConnections: total, bytesIn: bytesIn,
            bytesOut: 0, connectFailures: 0, maxConnections: nil)
    }

    static func service(_ backends: [BackendStatus], histogram: [Int] = [0, 0, 0], sum: Double = 0) -> ServiceStatus {
        ServiceStatus(
            name: "web", transport: "tcp", listen: ["127.0.0.1:80"], balance: "maglev", hashKey: "source_ip",
            maglevTableSize: 7, tableFingerprint: "00112233aabbccdd", activeConnections: 0,
            totalConnections: backends.reduce(0) { $0 + $1.totalConnections }, rejected: [("acl", 2)],
            udpSessionsActive: 0, datagramsDropped: 0,
            connectDuration: ConnectDurationSnapshot(
                bounds: [0.001, 0.01], cumulativeCounts: histogram, sumSeconds: sum),
            backends: backends)
    }

    static let process = ProcessFigures(version: "9.9.9", engineThreads: 2, accessLogDropped: 0, system: nil)

    static func line(_ text: String, _ prefix: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }.map(String.init)
    }

    @Test("counters follow the engine's figures, reset when a figure goes down, and vanish with their backend")
    func counters() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        let connections = #"fulcrum_connections_total{service="web",backend="10.0.0.1:80"}"#
        func render(_ backends: [BackendStatus]) -> String {
            exporter.render(services: [Self.service(backends)], process: Self.process)
        }
        var text = render([Self.backend("10.0.0.1:80", total: 5)])
        #expect(Self.line(text, connections) == connections + " 5")
        text = render([Self.backend("10.0.0.1:80", total: 12)])
        #expect(Self.line(text, connections) == connections + " 12")
        // A backend deleted and added again starts from zero: the counter resets.
        text = render([Self.backend("10.0.0.1:80", total: 3)])
        #expect(Self.line(text, connections) == connections + " 3")
        // Two entries with one address (one draining after a delete, one new): one series, summed.
        text = render([Self.backend("10.0.0.1:80", total: 3, removing: true), Self.backend("10.0.0.1:80", total: 4)])
        #expect(Self.line(text, connections) == connections + " 7")
        text = render([Self.backend("10.0.0.2:80", total: 1)])
        #expect(!text.contains("10.0.0.1:80"))
        #expect(text.contains(#"fulcrum_connections_total{service="web",backend="10.0.0.2:80"} 1"#))
        #expect(text.contains(#"fulcrum_rejected_connections_total{service="web",reason="acl"} 2"#))
        #expect(text.contains(#"fulcrum_balancer_table_info{service="web",fingerprint="00112233aabbccdd"} 1"#))
        #expect(text.contains(#"fulcrum_build_info{version="9.9.9"} 1"#))
        // Without services, their series are gone.
        text = exporter.render(services: [], process: Self.process)
        #expect(!text.contains("service="))
    }

    @Test("families come out sorted, each with HELP and TYPE before its series")
    func ordering() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        let text = exporter.render(
            services: [Self.service([Self.backend("10.0.0.1:80", total: 1)])], process: Self.process)
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let registryFamilies = types.filter { $0 != "fulcrum_connect_duration_seconds" }
        #expect(registryFamilies == registryFamilies.sorted())
        #expect(types.last == "fulcrum_connect_duration_seconds")
        var seen = Set<Substring>()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                seen.insert(line.split(separator: " ")[2])
            } else if !line.hasPrefix("#") {
                let name = line.prefix { $0 != "{" && $0 != " " }
                let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                    name.hasSuffix(suffix) && !seen.contains(name) ? name.dropLast(suffix.count) : name
                }
                #expect(seen.contains(family), "\(line) before its TYPE line")
            }
        }
    }

    @Test("the connect-duration histogram is written from the engine's cumulative buckets")
    func histogram() {
        let exporter = MetricsExporter(registry: PrometheusCollectorRegistry())
        let text = exporter.render(
            services: [Self.service([], histogram: [1, 3, 4], sum: 0.0125)], process: Self.process)
        let expected = """
            fulcrum_connect_duration_seconds_bucket{service="web",le="0.001"} 1
            fulcrum_connect_duration_seconds_bucket{service="web",le="0.01"} 3
            fulcrum_connect_duration_seconds_bucket{service="web",le="+Inf"} 4
            fulcrum_connect_duration_seconds_sum{service="web"} 0.0125
            fulcrum_connect_duration_seconds_count{service="web"} 4
            """
        #expect(text.contains(expected))
        #expect(text.contains("# TYPE fulcrum_connect_duration_seconds histogram"))
    }

    @Test("label values are escaped")
    func escaping() {
        #expect(ExpositionSorter.escapeLabelValue("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }
}
