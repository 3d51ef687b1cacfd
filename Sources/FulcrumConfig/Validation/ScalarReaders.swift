import Yams

/// Typed readers for single values. Each reports a problem at the value's position, in the form
/// "<key> must be <what is expected>, found <what is there>", and returns `nil`.
extension ConfigValidator {
    /// The largest count accepted for connection limits: they are compared with 32-bit counters in places.
    static let maximumCount = Int(Int32.max)

    /// A scalar's text; `nil` (with an error) for a list, a mapping or an empty value.
    mutating func string(_ entry: MappingEntry, context: String) -> String? {
        guard case .scalar(let scalar) = entry.value, !entry.value.isNull else {
            self.error(context, "\(entry.key) must be a string, found \(entry.value.foundDescription)", at: entry.value)
            return nil
        }
        return scalar.string
    }

    /// A decimal integer within `range`. Quoting is tolerated (`"3"`); signs, fractions and other bases are not.
    mutating func integer(_ entry: MappingEntry, in range: ClosedRange<Int>, context: String) -> Int? {
        if case .scalar(let scalar) = entry.value, !entry.value.isNull, let value = Self.decimal(scalar.string),
            range.contains(value)
        {
            return value
        }
        let expected: String
        if range.upperBound == Self.maximumCount, range.lowerBound == 1 {
            if case .scalar(let scalar) = entry.value, let value = Self.decimal(scalar.string), value > 0 {
                expected = "at most \(Self.maximumCount)"
            } else {
                expected = "a positive integer"
            }
        } else {
            expected = "an integer from \(range.lowerBound) to \(range.upperBound)"
        }
        self.error(context, "\(entry.key) must be \(expected), found \(entry.value.foundDescription)", at: entry.value)
        return nil
    }

    /// Digits only, at most 18 of them (so that the value fits in `Int` and can be compared with any range).
    static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// `true` or `false` (also `True`/`TRUE`/`False`/`FALSE`, as YAML 1.2 reads them).
    mutating func bool(_ entry: MappingEntry, context: String) -> Bool? {
        if case .scalar(let scalar) = entry.value {
            switch scalar.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        self.error(
            context, "\(entry.key) must be true or false, found \(entry.value.foundDescription)", at: entry.value
        )
        return nil
    }

    /// A duration (`250ms`, `2s`, `5m`, `1h`); zero only when `allowZero`.
    mutating func duration(_ entry: MappingEntry, allowZero: Bool, context: String) -> Duration? {
        let text: String
        if case .scalar(let scalar) = entry.value, !entry.value.isNull {
            text = scalar.string
        } else {
            text = ""
        }
        let found = entry.value.foundDescription
        switch DurationText.parse(text) {
        case .success(let milliseconds):
            if milliseconds == 0, !allowZero {
                self.error(context, "\(entry.key) must be greater than 0, found \(found)", at: entry.value)
                return nil
            }
            return .milliseconds(milliseconds)
        case .failure(.tooLong):
            let maximum = DurationText.format(.milliseconds(DurationText.maximumMilliseconds))
            self.error(context, "\(entry.key) must be at most \(maximum), found \(found)", at: entry.value)
            return nil
        case .failure(.malformed(let hint)):
            let suffix = hint.map { " (\($0))" } ?? ""
            self.error(
                context,
                "\(entry.key) must be a whole number with a unit (ms, s, m or h) such as 250ms or 5s, found \(found)"
                    + suffix,
                at: entry.value
            )
            return nil
        }
    }

    /// One of a fixed set of words; a near miss gets a suggestion.
    mutating func choice<Value>(_ entry: MappingEntry, _ options: [(name: String, value: Value)], context: String)
        -> Value?
    {
        if case .scalar(let scalar) = entry.value, let match = options.first(where: { $0.name == scalar.string }) {
            return match.value
        }
        let names = options.map(\.name)
        var message = "\(entry.key) must be \(Self.alternatives(names)), found \(entry.value.foundDescription)"
        if case .scalar(let scalar) = entry.value, !entry.value.isNull,
            let suggestion = closestMatch(to: scalar.string, in: names)
        {
            message += " (did you mean '\(suggestion)'?)"
        }
        self.error(context, message, at: entry.value)
        return nil
    }

    /// `a`, `a or b`, `a, b or c`.
    static func alternatives(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        if names.count == 1 { return last }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }
}
