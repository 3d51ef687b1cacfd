import FulcrumControl
import Prometheus
import Synchronization

/// Renders `GET /metrics` (SPEC §4) from the figures the data plane keeps.
///
/// Why the exporter reads figures at scrape time instead of the data plane updating Prometheus objects: the engine
/// counts every event with one relaxed atomic in its own `ServiceStats` / `BackendStats` (no lock, no allocation, no
/// dictionary lookup by label on the connection path). swift-prometheus counters are atomics too, but reaching the
/// right one per connection would need a label lookup or a reference carried through every routing table. So the
/// series live in a `PrometheusCollectorRegistry` (the registry the executable also bootstraps swift-metrics with),
/// each created the first time a scrape sees its label set and unregistered when its backend or service is gone;
/// at each scrape, counters advance by the change since the previous scrape and gauges are set.
///
/// `fulcrum_connect_duration_seconds` is the exception: swift-prometheus histograms take one observation at a time
/// under a lock, while the engine keeps lock-free buckets with fixed bounds (`DurationHistogram`). Replaying them
/// one by one would cost a lock per connection at scrape time, so that family is written from the buckets directly
/// (`HistogramText`), with exact counts and sum.
final class MetricsExporter: Sendable {
    private struct SeriesKey: Hashable {
        var name: String
        var labels: [String]
    }

    private struct CounterSeries {
        let counter: Counter
        var last: Double
    }

    private struct State {
        var counters: [SeriesKey: CounterSeries] = [:]
        var gauges: [SeriesKey: Gauge] = [:]
    }

    private let registry: PrometheusCollectorRegistry
    private let state = Mutex(State())

    /// - Parameter registry: where the series live; the executable bootstraps swift-metrics with the same registry,
    ///   so metrics recorded through swift-metrics anywhere in the process appear in the same exposition.
    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The exposition text for the given figures: every family sorted by name, series sorted within it.
    func render(services: [ServiceStatus], process: ProcessFigures) -> String {
        let samples = MetricSamples(services: services, process: process)
        // One scrape at a time: counters advance by a delta against the previous scrape, and a concurrent scrape
        // must not see a series between its reset and its new value.
        return self.state.withLock { state in
            self.update(&state, with: samples)
            let text = self.registry.emitToString()
            return ExpositionSorter.sorted(text) + HistogramText.connectDurations(services)
        }
    }

    private func update(_ state: inout State, with samples: MetricSamples) {
        var seenCounters = Set<SeriesKey>()
        for sample in samples.counters {
            let key = SeriesKey(name: sample.family.name, labels: sample.labels.map(\.1))
            seenCounters.insert(key)
            var series = state.counters[key] ?? CounterSeries(
                counter: self.registry.makeCounter(descriptor: sample.family.descriptor, labels: sample.labels),
                last: 0)
            if sample.value >= series.last {
                Self.advance(series.counter, by: sample.value - series.last)
            } else {
                // The figure went down: its source was replaced (a service or backend deleted and added again).
                // Prometheus treats a counter that goes down as a reset, which is what happened.
                series.counter.reset()
                Self.advance(series.counter, by: sample.value)
            }
            series.last = sample.value
            state.counters[key] = series
        }
        for (key, series) in state.counters where !seenCounters.contains(key) {
            self.registry.unregisterCounter(series.counter)
            state.counters[key] = nil
        }

        var seenGauges = Set<SeriesKey>()
        for sample in samples.gauges {
            let key = SeriesKey(name: sample.family.name, labels: sample.labels.map(\.1))
            seenGauges.insert(key)
            let gauge = state.gauges[key] ?? self.registry.makeGauge(
                descriptor: sample.family.descriptor, labels: sample.labels)
            gauge.set(sample.value)
            state.gauges[key] = gauge
        }
        for (key, gauge) in state.gauges where !seenGauges.contains(key) {
            self.registry.unregisterGauge(gauge)
            state.gauges[key] = nil
        }
    }

    /// Integral amounts go through the counter's integer atomic, so large byte counts stay exact.
    private static func advance(_ counter: Counter, by amount: Double) {
        guard amount > 0 else { return }
        if amount == amount.rounded(), amount < 9e15 {
            counter.increment(by: Int64(amount))
        } else {
            counter.increment(by: amount)
        }
    }
}
