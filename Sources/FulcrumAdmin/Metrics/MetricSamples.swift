import FulcrumControl
import FulcrumDiscovery
import FulcrumHealth
import Prometheus

/// A metric family: its name and HELP text. The names in SPEC §4 are a contract; the others are additions.
struct MetricFamily: Sendable {
    let name: String
    let help: String

    /// The registry's name for it: the whole name as the metric name, with HELP text.
    var descriptor: MetricNameDescriptor {
        MetricNameDescriptor(metricName: self.name, unitName: "", helpText: self.help)
    }

    // SPEC §4.
    static let connections = MetricFamily(
        name: "fulcrum_connections_total", help: "Connections (TCP) or sessions (UDP) established with the backend.")
    static let activeConnections = MetricFamily(
        name: "fulcrum_active_connections",
        help: "Open connections or UDP sessions of the backend, connect attempts in progress included.")
    static let bytes = MetricFamily(
        name: "fulcrum_bytes_total",
        help: "Bytes relayed through the backend: direction rx = received from clients, tx = sent to clients.")
    static let backendUp = MetricFamily(
        name: "fulcrum_backend_up",
        help: "1 when the backend counts as up (health up or unchecked), 0 when down (failed checks or ejected).")
    static let connectFailures = MetricFamily(
        name: "fulcrum_connect_failures_total",
        help: "Failed connects to the backend (refused, unreachable, timed out).")
    static let rejected = MetricFamily(
        name: "fulcrum_rejected_connections_total",
        help: "Client connections (or UDP flows) refused before reaching a backend, by reason.")
    static let udpSessions = MetricFamily(
        name: "fulcrum_udp_sessions_active", help: "Open UDP sessions of the service (0 for TCP services).")
    static let connectDuration = MetricFamily(
        name: "fulcrum_connect_duration_seconds", help: "Time to establish a backend connection (successful connects).")
    static let tableInfo = MetricFamily(
        name: "fulcrum_balancer_table_info",
        help: "Always 1; the fingerprint label identifies the lookup table of a source_hash or maglev service.")

    // SPEC §8.1.
    static let discoveryErrors = MetricFamily(
        name: "fulcrum_discovery_errors_total",
        help: "Failed registry attempts (unreachable, timed out, error answers) of the service's discovery.")
    static let discoveryBackends = MetricFamily(
        name: "fulcrum_discovery_backends", help: "Backends the service's discovery provides now.")
    static let discoveryHeld = MetricFamily(
        name: "fulcrum_discovery_updates_held_total",
        help: "Registry updates held by the mass-removal guard (max_drop) before being applied.")
    static let discoveryRejected = MetricFamily(
        name: "fulcrum_discovery_rejected_entries_total",
        help: "Registry entries skipped because they do not name a backend (etcd values that are not addresses).")

    // Additions.
    static let backendWeight = MetricFamily(
        name: "fulcrum_backend_weight", help: "The backend's current weight (0 = no new connections).")
    static let backendDraining = MetricFamily(
        name: "fulcrum_backend_draining", help: "1 while the backend is draining (set by the API or deleted), else 0.")
    static let serviceActive = MetricFamily(
        name: "fulcrum_service_active_connections",
        help: "Open client connections of the service, including those not yet assigned to a backend.")
    static let datagramsDropped = MetricFamily(
        name: "fulcrum_udp_datagrams_dropped_total",
        help: "UDP datagrams dropped (no backend, session cap, send error).")
    static let buildInfo = MetricFamily(
        name: "fulcrum_build_info", help: "Always 1; the version label is the running Fulcrum version.")
    static let engineThreads = MetricFamily(name: "fulcrum_engine_threads", help: "Data-plane threads.")
    static let accessLogDropped = MetricFamily(
        name: "fulcrum_access_log_dropped_total", help: "Access-log records dropped because the writer fell behind.")
    static let startTime = MetricFamily(
        name: "process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds.")
    static let cpuSeconds = MetricFamily(
        name: "process_cpu_seconds_total", help: "User and system CPU time spent, in seconds.")
    static let residentMemory = MetricFamily(
        name: "process_resident_memory_bytes", help: "Resident memory size, in bytes.")
    static let virtualMemory = MetricFamily(
        name: "process_virtual_memory_bytes", help: "Virtual memory size, in bytes.")
    static let openFDs = MetricFamily(name: "process_open_fds", help: "Open file descriptors.")
    static let maxFDs = MetricFamily(name: "process_max_fds", help: "The limit on open file descriptors.")
}

/// One value of one series.
struct MetricSample {
    let family: MetricFamily
    let labels: [(String, String)]
    let value: Double
}

/// Every counter and gauge sample of one scrape, from the admin snapshot and the process figures.
struct MetricSamples {
    private(set) var counters: [MetricSample] = []
    private(set) var gauges: [MetricSample] = []

    init(services: [ServiceStatus], process: ProcessFigures) {
        for service in services {
            self.add(service)
        }
        self.gauge(.buildInfo, [("version", process.version)], 1)
        self.gauge(.engineThreads, [], Double(process.engineThreads))
        self.counter(.accessLogDropped, [], Double(process.accessLogDropped))
        if let system = process.system {
            self.gauge(.startTime, [], system.startTimeSeconds)
            self.counter(.cpuSeconds, [], system.cpuSeconds)
            self.gauge(.residentMemory, [], system.residentBytes)
            self.gauge(.virtualMemory, [], system.virtualBytes)
            self.gauge(.openFDs, [], system.openDescriptors)
            self.gauge(.maxFDs, [], system.maxDescriptors)
        }
    }

    private mutating func add(_ service: ServiceStatus) {
        let serviceLabel = [("service", service.name)]
        for (reason, count) in service.rejected {
            self.counter(.rejected, serviceLabel + [("reason", reason)], Double(count))
        }
        self.gauge(.udpSessions, serviceLabel, Double(service.udpSessionsActive))
        self.gauge(.serviceActive, serviceLabel, Double(service.activeConnections))
        if service.transport == "udp" {
            self.counter(.datagramsDropped, serviceLabel, Double(service.datagramsDropped))
        }
        if let fingerprint = service.tableFingerprint {
            self.gauge(.tableInfo, serviceLabel + [("fingerprint", fingerprint)], 1)
        }
        if let discovery = service.discovery {
            let labels = serviceLabel + [("source", discovery.kind.rawValue)]
            self.counter(.discoveryErrors, labels, Double(discovery.errorsTotal))
            self.gauge(.discoveryBackends, labels, Double(discovery.backends))
            self.counter(.discoveryHeld, labels, Double(discovery.heldTotal))
            self.counter(.discoveryRejected, labels, Double(discovery.rejectedTotal))
        }
        // A deleted backend drains while a new one with the same address may already serve: one series per address
        // (the label set), so their figures add up.
        var order: [String] = []
        var merged: [String: BackendStatus] = [:]
        for backend in service.backends {
            guard var existing = merged[backend.address] else {
                order.append(backend.address)
                merged[backend.address] = backend
                continue
            }
            existing.activeConnections += backend.activeConnections
            existing.totalConnections += backend.totalConnections
            existing.bytesIn += backend.bytesIn
            existing.bytesOut += backend.bytesOut
            existing.connectFailures += backend.connectFailures
            if existing.removing {
                // The live one describes the series.
                existing.weight = backend.weight
                existing.state = backend.state
                existing.health = backend.health
                existing.removing = backend.removing
            }
            merged[backend.address] = existing
        }
        for address in order {
            guard let backend = merged[address] else { continue }
            let labels = serviceLabel + [("backend", address)]
            self.counter(.connections, labels, Double(backend.totalConnections))
            self.gauge(.activeConnections, labels, Double(backend.activeConnections))
            self.counter(.bytes, labels + [("direction", "rx")], Double(backend.bytesIn))
            self.counter(.bytes, labels + [("direction", "tx")], Double(backend.bytesOut))
            self.gauge(.backendUp, labels, backend.health.isEligible ? 1 : 0)
            self.counter(.connectFailures, labels, Double(backend.connectFailures))
            self.gauge(.backendWeight, labels, Double(backend.weight))
            self.gauge(.backendDraining, labels, backend.state == .draining ? 1 : 0)
        }
    }

    private mutating func counter(_ family: MetricFamily, _ labels: [(String, String)], _ value: Double) {
        self.counters.append(MetricSample(family: family, labels: labels, value: value))
    }

    private mutating func gauge(_ family: MetricFamily, _ labels: [(String, String)], _ value: Double) {
        self.gauges.append(MetricSample(family: family, labels: labels, value: value))
    }
}
