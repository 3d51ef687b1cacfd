import FulcrumControl
import FulcrumDiscovery
import FulcrumHealth

/// The admin API's JSON objects (SPEC §3, §7), fields in the SPEC's order.
enum StatusJSON {
    static func service(_ service: ServiceStatus) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", .string(service.name)),
            ("protocol", .string(service.transport)),
            ("listen", .array(service.listen.map { .string($0) })),
            ("balance", .string(service.balance)),
        ]
        if let hashKey = service.hashKey { members.append(("hash_key", .string(hashKey))) }
        if let size = service.maglevTableSize { members.append(("maglev_table_size", .int(size))) }
        if let fingerprint = service.tableFingerprint { members.append(("table_fingerprint", .string(fingerprint))) }
        members += [
            ("active_connections", .int(service.activeConnections)),
            ("total_connections", .int(service.totalConnections)),
            ("rejected", .object(service.rejected.map { ($0.reason, .int($0.count)) })),
        ]
        if service.transport == "udp" {
            members.append(("udp_sessions_active", .int(service.udpSessionsActive)))
            members.append(("datagrams_dropped", .int(service.datagramsDropped)))
        }
        if let discovery = service.discovery { members.append(("discovery", Self.discovery(discovery))) }
        members.append(("backends", .array(service.backends.map(Self.backend))))
        return .object(members)
    }

    /// SPEC §8.1: `{"source", "backends", "last_success", "error", "held"}`, plus the running totals.
    static func discovery(_ status: DiscoveryStatus) -> JSONValue {
        .object([
            ("source", .string(status.kind.rawValue)),
            ("backends", .int(status.backends)),
            ("last_success", status.lastSuccessNanoseconds.map { .string(Timestamp.iso8601(nanoseconds: $0)) } ?? .null),
            ("error", status.error.map { .string($0) } ?? .null),
            ("held", .int(status.held)),
            ("errors_total", .int(status.errorsTotal)),
            ("held_total", .int(status.heldTotal)),
            ("rejected_entries_total", .int(status.rejectedTotal)),
        ])
    }

    static func backend(_ backend: BackendStatus) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("address", .string(backend.address)),
            ("weight", .int(backend.weight)),
            ("state", .string(backend.state.rawValue)),
            ("health", .string(backend.health.rawValue)),
            ("active_connections", .int(backend.activeConnections)),
            ("total_connections", .int(backend.totalConnections)),
            ("bytes_in", .int(backend.bytesIn)),
            ("bytes_out", .int(backend.bytesOut)),
            ("connect_failures", .int(backend.connectFailures)),
        ]
        if let maxConnections = backend.maxConnections { members.append(("max_connections", .int(maxConnections))) }
        if backend.endpoint != backend.address { members.append(("resolved", .string(backend.endpoint))) }
        members.append(("origin", .string(backend.origin.rawValue)))
        if backend.removing { members.append(("removing", .bool(true))) }
        return .object(members)
    }

    static func route(_ answer: RouteAnswer) -> JSONValue {
        .object([
            ("service", .string(answer.service)),
            ("client", .string(answer.client)),
            ("backend", .string(answer.backend)),
            ("reason", .string(answer.reason)),
        ])
    }

    /// `{"error": message}`, plus `errors` for a rejected configuration.
    static func error(_ message: String, errors: [String]? = nil) -> JSONValue {
        var members: [(String, JSONValue)] = [("error", .string(message))]
        if let errors { members.append(("errors", .array(errors.map { .string($0) }))) }
        return .object(members)
    }
}
