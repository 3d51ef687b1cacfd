import FulcrumBalancing
import FulcrumNet

/// What changes per service from `old` to `new`: services in the new file's order (added or changed), then removed
/// ones in the old file's order. Services without any difference are left out, so identical configurations give
/// `[]`. Order-only differences (backends, listen addresses, ACL entries listed in another order) are no change:
/// none of them changes behaviour.
public func describeChanges(old: Configuration, new: Configuration) -> [ServiceChange] {
    var result: [ServiceChange] = []
    let oldByName = Dictionary(old.services.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    let newNames = Set(new.services.map(\.name))
    for service in new.services {
        guard let before = oldByName[service.name] else {
            result.append(ServiceChange(name: service.name, kind: .added, changes: [], old: nil, new: service))
            continue
        }
        let changes = ServiceComparison.changes(from: before, to: service)
        if !changes.isEmpty {
            result.append(
                ServiceChange(name: service.name, kind: .changed, changes: changes, old: before, new: service)
            )
        }
    }
    for service in old.services where !newNames.contains(service.name) {
        result.append(ServiceChange(name: service.name, kind: .removed, changes: [], old: service, new: nil))
    }
    return result
}

/// Changes outside services, one line each: `shutdown_grace: 30s -> 10s`, `admin: listen A -> B`, `admin: added`,
/// `admin: token changed` (a token is never printed).
public func describeGlobalChanges(old: Configuration, new: Configuration) -> [String] {
    var lines: [String] = []
    if old.shutdownGrace != new.shutdownGrace {
        lines.append(
            "shutdown_grace: \(DurationText.format(old.shutdownGrace)) -> \(DurationText.format(new.shutdownGrace))"
        )
    }
    if old.stateDirectory != new.stateDirectory {
        lines.append("state_dir: \(old.stateDirectory ?? "none") -> \(new.stateDirectory ?? "none")")
    }
    switch (old.admin, new.admin) {
    case (nil, nil):
        break
    case (nil, .some):
        lines.append("admin: added")
    case (.some, nil):
        lines.append("admin: removed")
    case (.some(let before), .some(let after)):
        if before.listen != after.listen { lines.append("admin: listen \(before.listen) -> \(after.listen)") }
        if before.tokenFile != after.tokenFile {
            lines.append("admin: token_file \(before.tokenFile ?? "none") -> \(after.tokenFile ?? "none")")
        }
        if before.token != after.token { lines.append("admin: token changed") }
    }
    return lines
}

/// Field-by-field comparison of one service.
enum ServiceComparison {
    static func changes(from old: ServiceConfig, to new: ServiceConfig) -> [ConfigChange] {
        var changes: [ConfigChange] = []
        func setting(_ key: String, _ before: String, _ after: String) {
            if before != after { changes.append(ConfigChange(.settingChanged(key: key, old: before, new: after))) }
        }
        setting("protocol", old.protocol.rawValue, new.protocol.rawValue)
        if Set(old.listen) != Set(new.listen) {
            setting("listen", self.list(old.listen), self.list(new.listen))
        }
        setting("balance", old.balance.name, new.balance.name)
        if case .maglev(let before) = old.balance, case .maglev(let after) = new.balance {
            setting("maglev_table_size", "\(before)", "\(after)")
        }
        setting("hash_key", old.hashKey.rawValue, new.hashKey.rawValue)
        setting("connect_timeout", DurationText.format(old.connectTimeout), DurationText.format(new.connectTimeout))
        setting("idle_timeout", DurationText.format(old.idleTimeout), DurationText.format(new.idleTimeout))
        setting("retries", "\(old.retries)", "\(new.retries)")
        setting("max_connections", self.optional(old.maxConnections), self.optional(new.maxConnections))
        setting(
            "max_connections_per_source", self.optional(old.maxConnectionsPerSource),
            self.optional(new.maxConnectionsPerSource)
        )
        if old.allow.map(Set.init) != new.allow.map(Set.init) {
            setting("allow", old.allow.map(self.list) ?? "any", new.allow.map(self.list) ?? "any")
        }
        if Set(old.deny) != Set(new.deny) {
            setting(
                "deny", old.deny.isEmpty ? "none" : self.list(old.deny),
                new.deny.isEmpty ? "none" : self.list(new.deny)
            )
        }
        setting("proxy_protocol", old.proxyProtocol.rawValue, new.proxyProtocol.rawValue)
        setting("accept_proxy_protocol", "\(old.acceptProxyProtocol)", "\(new.acceptProxyProtocol)")
        changes += self.healthCheckChanges(from: old.healthCheck, to: new.healthCheck)
        // SPEC §8.1 names any difference of the section, added and removed included, as one change.
        if old.discovery != new.discovery { changes.append(ConfigChange(.sectionChanged(key: "discovery"))) }
        changes += self.backendChanges(from: old.backends, to: new.backends)
        return changes
    }

    private static func healthCheckChanges(from old: HealthCheckConfig?, to new: HealthCheckConfig?) -> [ConfigChange] {
        switch (old, new) {
        case (nil, nil): return []
        case (nil, .some): return [ConfigChange(.sectionAdded(key: "health_check"))]
        case (.some, nil): return [ConfigChange(.sectionRemoved(key: "health_check"))]
        case (.some(let old), .some(let new)):
            var changes: [ConfigChange] = []
            func setting(_ key: String, _ before: String, _ after: String) {
                if before != after {
                    changes.append(ConfigChange(.settingChanged(key: "health_check.\(key)", old: before, new: after)))
                }
            }
            setting("interval", DurationText.format(old.interval), DurationText.format(new.interval))
            setting("timeout", DurationText.format(old.timeout), DurationText.format(new.timeout))
            setting("rise", "\(old.rise)", "\(new.rise)")
            setting("fall", "\(old.fall)", "\(new.fall)")
            setting("port", self.optional(old.port), self.optional(new.port))
            setting("send", self.bytes(old.send), self.bytes(new.send))
            setting("expect", self.bytes(old.expect), self.bytes(new.expect))
            return changes
        }
    }

    /// Backends are matched by their address as written: it is their identity (and their hashing key).
    private static func backendChanges(from old: [BackendConfig], to new: [BackendConfig]) -> [ConfigChange] {
        let oldByAddress = Dictionary(old.map { ($0.address, $0) }, uniquingKeysWith: { first, _ in first })
        let newAddresses = Set(new.map(\.address))
        var changes: [ConfigChange] = []
        for backend in old where !newAddresses.contains(backend.address) {
            changes.append(ConfigChange(.backendRemoved(address: backend.address)))
        }
        for backend in new where oldByAddress[backend.address] == nil {
            changes.append(ConfigChange(.backendAdded(address: backend.address)))
        }
        for backend in new {
            guard let before = oldByAddress[backend.address] else { continue }
            func field(_ key: String, _ old: String, _ new: String) {
                if old != new {
                    changes.append(
                        ConfigChange(.backendChanged(address: backend.address, key: key, old: old, new: new))
                    )
                }
            }
            field("weight", "\(before.weight)", "\(backend.weight)")
            field("max_connections", self.optional(before.maxConnections), self.optional(backend.maxConnections))
            // Only a host name can resolve differently; an IP literal's endpoint is its address.
            field("endpoint", "\(before.endpoint)", "\(backend.endpoint)")
        }
        return changes
    }

    private static func list(_ items: [some CustomStringConvertible]) -> String {
        items.map(\.description).joined(separator: " ")
    }

    private static func optional(_ value: (some CustomStringConvertible)?) -> String {
        value.map(\.description) ?? "none"
    }

    /// Probe bytes as a double-quoted YAML string (`"PING\r\n"`), so that the line shows what the file says.
    private static func bytes(_ value: [UInt8]?) -> String {
        guard let value else { return "none" }
        var text = "\""
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""): text += "\\\""
            case UInt8(ascii: "\\"): text += "\\\\"
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\r"): text += "\\r"
            case UInt8(ascii: "\t"): text += "\\t"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return text + "\""
    }
}
