/// Gathers every error and warning of one load, so that all of them are reported at once.
struct DiagnosticCollector {
    private var errors: [(position: SourcePosition, message: String)] = []
    private var warnings: [(position: SourcePosition, message: String)] = []

    var hasErrors: Bool { !self.errors.isEmpty }
    var errorCount: Int { self.errors.count }

    mutating func error(_ message: String, at position: SourcePosition) {
        self.errors.append((position, message))
    }

    mutating func warning(_ message: String, at position: SourcePosition) {
        self.warnings.append((position, message))
    }

    /// Sorted by position (file order for equal positions), without repeats: a node reached twice through a YAML
    /// alias would otherwise report the same problem twice.
    func diagnostics(path: String) -> (errors: [ConfigDiagnostic], warnings: [ConfigDiagnostic]) {
        (
            Self.sorted(self.errors, path: path, severity: .error),
            Self.sorted(self.warnings, path: path, severity: .warning)
        )
    }

    private static func sorted(
        _ entries: [(position: SourcePosition, message: String)], path: String, severity: ConfigDiagnostic.Severity
    ) -> [ConfigDiagnostic] {
        let order = entries.indices.sorted { (entries[$0].position, $0) < (entries[$1].position, $1) }
        var result: [ConfigDiagnostic] = []
        var seen: Set<String> = []
        for index in order {
            let entry = entries[index]
            guard seen.insert("\(entry.position.line):\(entry.position.column):\(entry.message)").inserted else {
                continue
            }
            result.append(
                ConfigDiagnostic(
                    path: path, line: entry.position.line, column: entry.position.column, message: entry.message,
                    severity: severity
                )
            )
        }
        return result
    }
}
