import FulcrumBalancing

/// One difference between two versions of a service (or of the file's global settings), as `fulcrum diff` names it.
public struct ConfigChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A backend (by its address as written) only in the new file.
        case backendAdded(address: String)
        /// A backend only in the old file.
        case backendRemoved(address: String)
        /// A backend in both whose `key` (`weight`, `max_connections`, `endpoint`) differs.
        case backendChanged(address: String, key: String, old: String, new: String)
        /// A setting whose value differs, both sides formatted as in the file: `balance round_robin -> maglev`.
        case settingChanged(key: String, old: String, new: String)
        /// A section present only in the new file (`health_check`).
        case sectionAdded(key: String)
        /// A section present only in the old file.
        case sectionRemoved(key: String)
        /// A section whose settings differ, named as a whole (`discovery changed`).
        case sectionChanged(key: String)
        /// A secret that differs; its values are never shown.
        case secretChanged(key: String)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    /// `backend 10.0.0.4:80 removed`, `backend 10.0.0.5:80 weight 1 -> 3`, `balance round_robin -> maglev`.
    public var description: String {
        switch self.kind {
        case .backendAdded(let address): return "backend \(address) added"
        case .backendRemoved(let address): return "backend \(address) removed"
        case .backendChanged(let address, let key, let old, let new):
            return "backend \(address) \(key) \(old) -> \(new)"
        case .settingChanged(let key, let old, let new): return "\(key) \(old) -> \(new)"
        case .sectionAdded(let key): return "\(key) added"
        case .sectionRemoved(let key): return "\(key) removed"
        case .sectionChanged(let key): return "\(key) changed"
        case .secretChanged(let key): return "\(key) changed"
        }
    }
}

/// What changed in one service between two configurations.
///
/// The share of flows that move needs the balancers' tables, which this module does not build: the caller computes
/// it (with `FulcrumBalancing.FlowMovement`) when `hashComparable` is set, and passes it to `lines(flowsMoved:)`.
public struct ServiceChange: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case added
        case removed
        case changed
    }

    public var name: String
    public var kind: Kind
    /// The differences, in a stable order: protocol, listen, balancing, timeouts and limits, ACLs, PROXY protocol,
    /// health check, then backends (removed, added, changed). Empty for added and removed services.
    public var changes: [ConfigChange]
    /// The service in the old configuration (`nil` when added).
    public var old: ServiceConfig?
    /// The service in the new configuration (`nil` when removed).
    public var new: ServiceConfig?

    public init(name: String, kind: Kind, changes: [ConfigChange], old: ServiceConfig?, new: ServiceConfig?) {
        self.name = name
        self.kind = kind
        self.changes = changes
        self.old = old
        self.new = new
    }

    /// The balancing algorithm is a different one (a new `maglev_table_size` alone does not count).
    public var balanceChanged: Bool {
        guard let old = self.old, let new = self.new else { return false }
        return old.balance.name != new.balance.name
    }

    /// The service hashes both before and after: the share of flows that move is meaningful (SPEC §7).
    public var hashComparable: Bool {
        guard let old = self.old, let new = self.new else { return false }
        return old.balance.isHashing && new.balance.isHashing
    }

    /// Something that decides which backend a hashed flow gets has changed (backends, weights, algorithm, table
    /// size, hash key): the service belongs in a dry run's `flows_moved`. Health is runtime state and not part of it.
    public var hashTableChanged: Bool {
        guard let old = self.old, let new = self.new, old.balance.isHashing || new.balance.isHashing else {
            return false
        }
        func weights(_ service: ServiceConfig) -> [String: Int] {
            Dictionary(service.backends.map { ($0.address, $0.weight) }, uniquingKeysWith: { first, _ in first })
        }
        return old.balance != new.balance || old.hashKey != new.hashKey || weights(old) != weights(new)
    }

    /// The text lines of `fulcrum diff` for this service:
    /// - `web: service added` / `web: service removed`;
    /// - a hash service on both sides, with `flowsMoved` (a fraction 0...1):
    ///   `web: 9.8% of flows move (backend 10.0.0.4:80 removed)`;
    /// - a change of `balance` to or from a non-hashing algorithm: the changes, then
    ///   `web: flows not comparable (balance changed)` on its own line;
    /// - otherwise `web: retries 2 -> 3, backend 10.0.0.5:80 added`.
    public func lines(flowsMoved: Double? = nil) -> [String] {
        switch self.kind {
        case .added: return ["\(self.name): service added"]
        case .removed: return ["\(self.name): service removed"]
        case .changed: break
        }
        let details = self.changes.map(\.description).joined(separator: ", ")
        if self.hashComparable, let flowsMoved {
            let share = "\(Self.percent(flowsMoved))% of flows move"
            return ["\(self.name): " + (details.isEmpty ? share : "\(share) (\(details))")]
        }
        var lines = details.isEmpty ? [] : ["\(self.name): \(details)"]
        if self.balanceChanged, !self.hashComparable,
            self.old?.balance.isHashing == true || self.new?.balance.isHashing == true
        {
            lines.append("\(self.name): flows not comparable (balance changed)")
        }
        return lines
    }

    /// A fraction as a percentage with one decimal: 0.0984 -> `9.8`.
    static func percent(_ fraction: Double) -> String {
        let tenths = Int((min(max(fraction, 0), 1) * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
