/// Durations in query parameters (`?wait=2s`), written as in the configuration file (SPEC §2): a whole number and a
/// unit, `ms`, `s`, `m` or `h`.
enum DurationParameter {
    /// The longest wait a request may ask for; a request holding a connection longer than this is surely a mistake.
    static let maximum: Duration = .seconds(3600)

    static func parse(_ text: some StringProtocol) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let value = Int64(digits) else { return nil }
        switch text[digits.endIndex...] {
        case "ms": return .milliseconds(value)
        case "s": return .seconds(value)
        case "m": return .seconds(value * 60)
        case "h": return .seconds(value * 3600)
        default: return nil
        }
    }
}
