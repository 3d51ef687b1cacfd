import FulcrumNet
import Yams

/// Reads a configuration file (YAML, SPEC §2) into a validated `Configuration`, reporting every problem at once
/// with its position.
///
/// ```swift
/// let result = ConfigLoader().load(path: "fulcrum.yaml")
/// for diagnostic in result.errors + result.warnings { print(diagnostic) }  // "fulcrum.yaml:12:7: ..."
/// ```
public struct ConfigLoader: Sendable {
    /// Larger files are refused before parsing: a configuration is a few kilobytes, and this bounds memory.
    public static let maximumFileSize = 16 * 1024 * 1024

    public let resolver: any HostResolver

    /// - Parameter resolver: resolves backend host names at load time.
    public init(resolver: some HostResolver = SystemHostResolver()) {
        self.resolver = resolver
    }

    /// Reads and validates the file at `path`. `path` is used as given in every diagnostic and as the base of
    /// relative paths inside the file.
    public func load(path: String) -> ConfigLoadResult {
        switch FileReader.read(path: path, limit: Self.maximumFileSize) {
        case .success(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                let position = Self.firstInvalidUTF8Position(bytes)
                return Self.failure(
                    path: path, "the file is not valid UTF-8 text", line: position.line, column: position.column
                )
            }
            return self.parse(yaml: text, path: path)
        case .failure(let failure):
            return Self.failure(path: path, "cannot read the configuration file: \(failure.reason)", line: 1, column: 1)
        }
    }

    /// Validates YAML text as if it were the content of the file at `path` (which is only used for messages and
    /// relative paths; it is not read).
    public func parse(yaml: String, path: String) -> ConfigLoadResult {
        let document: Node?
        do {
            document = try Yams.compose(yaml: yaml)
        } catch {
            let diagnostic = YAMLErrorDescription.diagnostic(for: error, yaml: yaml, path: path)
            return ConfigLoadResult(configuration: nil, errors: [diagnostic], warnings: [])
        }
        var validator = ConfigValidator(resolver: self.resolver, configFolder: Self.folder(of: path))
        let configuration = validator.validate(document: document, sourcePath: path)
        let (errors, warnings) = validator.diagnostics.diagnostics(path: path)
        return ConfigLoadResult(configuration: errors.isEmpty ? configuration : nil, errors: errors, warnings: warnings)
    }

    /// `conf/fulcrum.yaml` -> `conf`, `/fulcrum.yaml` -> `/`, `fulcrum.yaml` -> `""`.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    private static func failure(path: String, _ message: String, line: Int, column: Int) -> ConfigLoadResult {
        let diagnostic = ConfigDiagnostic(path: path, line: line, column: column, message: message, severity: .error)
        return ConfigLoadResult(configuration: nil, errors: [diagnostic], warnings: [])
    }

    /// Line and column (in characters decoded so far) of the first byte that is not valid UTF-8.
    private static func firstInvalidUTF8Position(_ bytes: [UInt8]) -> SourcePosition {
        var position = SourcePosition.start
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" {
                    position.line += 1
                    position.column = 1
                } else {
                    position.column += 1
                }
            case .emptyInput, .error:
                return position
            }
        }
    }
}
