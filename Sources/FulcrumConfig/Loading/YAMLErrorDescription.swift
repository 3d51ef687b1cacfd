import Yams

/// Turns what Yams throws (libyaml's syntax errors, duplicate keys) into one positioned diagnostic.
///
/// A YAML error stops composition, so it is the only error reported for the file: nothing after it can be read
/// reliably.
enum YAMLErrorDescription {
    static func diagnostic(for error: any Error, yaml: String, path: String) -> ConfigDiagnostic {
        let (position, message) = self.describe(error, yaml: yaml)
        return ConfigDiagnostic(
            path: path, line: position.line, column: position.column, message: message, severity: .error
        )
    }

    private static func describe(_ error: any Error, yaml: String) -> (SourcePosition, String) {
        guard let yamlError = error as? YamlError else {
            return (.start, "invalid YAML: \(error)")
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            let position = SourcePosition(line: mark.line, column: mark.column)
            if self.character(at: position, in: yaml) == "\t" {
                message += "; YAML does not allow tabs for indentation, use spaces"
            }
            return (position, message)
        case .reader(let problem, let offset, _, _):
            return (self.position(ofCharacterOffset: offset ?? 0, in: yaml), "invalid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let first = SourcePosition(line: context.mark.line, column: context.mark.column)
            if let second = self.repeatedKeyPosition(key: key, first: first, yaml: yaml) {
                return (second, "duplicate key '\(displayText(key))' (first at line \(first.line))")
            }
            return (first, "duplicate key '\(displayText(key))' in this mapping")
        case .no, .memory, .writer, .emitter, .representer, .dataCouldNotBeDecoded:
            return (.start, "invalid YAML: \(yamlError)")
        }
    }

    /// Where a key repeats, for block mappings: the next line at the first key's column that holds the same key,
    /// before the mapping ends (a non-blank, non-comment line indented less). Flow mappings are not searched; the
    /// caller then reports the first occurrence.
    static func repeatedKeyPosition(key: String, first: SourcePosition, yaml: String) -> SourcePosition? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = first.column - 1
        var lineIndex = first.line  // the line after the first occurrence (0-based)
        while lineIndex < lines.count {
            let line = Array(lines[lineIndex].unicodeScalars)
            let leading = line.prefix(while: { $0 == " " }).count
            let rest = String(String.UnicodeScalarView(line[leading...]))
            if rest.isEmpty || rest.hasPrefix("#") || rest.allSatisfy({ $0 == " " || $0 == "\r" }) {
                lineIndex += 1
                continue
            }
            if leading < indent { return nil }
            if leading == indent {
                for spelling in [key, "'\(key)'", "\"\(key)\""] where rest.hasPrefix(spelling) {
                    let after = rest.dropFirst(spelling.count).drop(while: { $0 == " " })
                    if after.hasPrefix(":") { return SourcePosition(line: lineIndex + 1, column: first.column) }
                }
            }
            lineIndex += 1
        }
        return nil
    }

    /// The Unicode scalar at a 1-based line and column (libyaml counts columns in scalars).
    private static func character(at position: SourcePosition, in yaml: String) -> Unicode.Scalar? {
        let lines = yaml.split(separator: "\n", maxSplits: position.line, omittingEmptySubsequences: false)
        guard position.line - 1 < lines.count else { return nil }
        let scalars = Array(lines[position.line - 1].unicodeScalars)
        return position.column - 1 < scalars.count ? scalars[position.column - 1] : nil
    }

    private static func position(ofCharacterOffset offset: Int, in text: String) -> SourcePosition {
        var position = SourcePosition.start
        for character in text.prefix(offset) {
            if character == "\n" {
                position.line += 1
                position.column = 1
            } else {
                position.column += 1
            }
        }
        return position
    }
}
