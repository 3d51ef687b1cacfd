/// One problem found in a configuration file, at the position of the YAML node it is about.
///
/// `description` is the line `fulcrum validate` prints: `PATH:LINE:COLUMN: message` for an error,
/// `PATH:LINE:COLUMN: warning: message` for a warning (SPEC §7), with PATH exactly as the caller gave it.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// Whether the problem makes the file invalid.
    public enum Severity: Sendable, Equatable {
        /// The file is invalid: nothing is applied.
        case error
        /// The file is valid, but probably not what was meant.
        case warning
    }

    /// The file path as given by the caller (never made absolute or normalized).
    public var path: String
    /// 1-based line.
    public var line: Int
    /// 1-based column, counted in Unicode scalars (as libyaml counts them).
    public var column: Int
    /// A sentence for people: what was found and what was expected.
    public var message: String
    public var severity: Severity

    public init(path: String, line: Int, column: Int, message: String, severity: Severity) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.severity = severity
    }

    public var description: String {
        switch self.severity {
        case .error: return "\(self.path):\(self.line):\(self.column): \(self.message)"
        case .warning: return "\(self.path):\(self.line):\(self.column): warning: \(self.message)"
        }
    }
}

/// What `ConfigLoader` made of a file: the validated configuration when there is no error, and every diagnostic.
public struct ConfigLoadResult: Sendable {
    /// `nil` when `errors` is not empty.
    public var configuration: Configuration?
    /// Every error found, sorted by position (line, then column).
    public var errors: [ConfigDiagnostic]
    /// Every warning, sorted by position. Warnings never make a file invalid.
    public var warnings: [ConfigDiagnostic]

    public init(configuration: Configuration?, errors: [ConfigDiagnostic], warnings: [ConfigDiagnostic]) {
        self.configuration = configuration
        self.errors = errors
        self.warnings = warnings
    }

    /// Errors and warnings together, sorted by position (errors first at the same position).
    public var diagnostics: [ConfigDiagnostic] {
        let all = self.errors + self.warnings
        return all.indices.sorted { (all[$0].line, all[$0].column, $0) < (all[$1].line, all[$1].column, $1) }
            .map { all[$0] }
    }
}
