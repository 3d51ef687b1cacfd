import FulcrumControl

/// Writes `fulcrum_connect_duration_seconds` in the Prometheus text format straight from the engine's lock-free
/// buckets (see `MetricsExporter` for why this family does not go through the registry).
enum HistogramText {
    static func connectDurations(_ services: [ServiceStatus]) -> String {
        guard !services.isEmpty else { return "" }
        let family = MetricFamily.connectDuration
        var text = "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) histogram\n"
        for service in services {
            let snapshot = service.connectDuration
            let label = "service=\"\(ExpositionSorter.escapeLabelValue(service.name))\""
            for (index, count) in snapshot.cumulativeCounts.enumerated() {
                let bound = index < snapshot.bounds.count ? Self.format(snapshot.bounds[index]) : "+Inf"
                text += "\(family.name)_bucket{\(label),le=\"\(bound)\"} \(count)\n"
            }
            text += "\(family.name)_sum{\(label)} \(Self.format(snapshot.sumSeconds))\n"
            text += "\(family.name)_count{\(label)} \(snapshot.cumulativeCounts.last ?? 0)\n"
        }
        return text
    }

    /// Shortest round-trip form of a finite value (`0.0005`, `1.0`, `2.5`).
    private static func format(_ value: Double) -> String {
        value.isFinite ? "\(value)" : "0"
    }
}
