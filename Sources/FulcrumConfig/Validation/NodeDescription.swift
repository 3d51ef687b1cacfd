import Yams

/// A 1-based line and column in the file.
struct SourcePosition: Sendable, Equatable, Comparable {
    var line: Int
    var column: Int

    static let start = SourcePosition(line: 1, column: 1)

    static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

extension Node {
    /// Where the node starts (Yams gives every composed node a mark; the fallback is the file's start).
    var position: SourcePosition {
        guard let mark = self.mark else { return .start }
        return SourcePosition(line: mark.line, column: mark.column)
    }

    /// `true` for `~`, `null` or nothing at all after the colon.
    var isNull: Bool {
        guard case .scalar = self else { return false }
        return self.tag == Tag(.null)
    }

    /// The `<<` merge key of YAML 1.1.
    var isMergeKey: Bool {
        guard case .scalar(let scalar) = self else { return false }
        return scalar.style == .plain && self.tag == Tag(.merge)
    }

    /// What the node is, for "found ..." in messages: `'text'`, `a list`, `a mapping` or `an empty value`.
    var foundDescription: String {
        switch self {
        case .scalar(let scalar):
            if self.isNull, scalar.style == .plain { return "an empty value" }
            return "'\(displayText(scalar.string))'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// A value as it is quoted back in a message: control characters escaped, long text cut.
func displayText(_ text: String) -> String {
    var result = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == 60 {
            result += "..."
            break
        }
        switch scalar {
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "\u{0}"..."\u{1F}", "\u{7F}":
            result += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16, uppercase: true)
        default: result.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return result
}
