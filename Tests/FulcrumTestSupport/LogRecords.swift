import Foundation

extension FulcrumProcess {
    /// Every JSON log record written to standard output so far (`--log-format json`), in order.
    public var logRecords: [[String: Any]] {
        self.stdout.split(separator: "\n").compactMap { line in
            guard line.first == "{" else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// The log records whose `message` starts with `prefix`, in order.
    public func logRecords(messageStartingWith prefix: String) -> [[String: Any]] {
        self.logRecords.filter { ($0["message"] as? String)?.hasPrefix(prefix) == true }
    }

    /// The "backend health changed" records (level `notice`) of one backend, in order.
    public func healthChanges(backend: String) -> [HealthChangeRecord] {
        self.logRecords(messageStartingWith: "backend health changed").compactMap { record in
            guard record["backend"] as? String == backend else { return nil }
            return HealthChangeRecord(
                service: record["service"] as? String ?? "", backend: backend,
                health: record["health"] as? String ?? "", previous: record["previous"] as? String ?? "",
                reason: record["reason"] as? String ?? "", level: record["level"] as? String ?? "")
        }
    }
}

/// One health transition as logged (SPEC §6).
public struct HealthChangeRecord: Sendable, Equatable, CustomStringConvertible {
    public let service: String
    public let backend: String
    public let health: String
    public let previous: String
    public let reason: String
    public let level: String

    public var description: String {
        "\(self.service)/\(self.backend): \(self.previous) -> \(self.health) (\(self.reason))"
    }
}
