/// Durations as written in the file: a whole number and a unit, `ms`, `s`, `m` or `h` (SPEC §2). Public because the
/// admin API reads its duration parameters (`?wait=2s`) with the same grammar.
public enum DurationText {
    /// The units, smallest first, with their length in milliseconds.
    static let units: [(name: String, milliseconds: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]

    /// The longest duration accepted anywhere: a year. Longer values are surely typos, and the limit keeps every
    /// value far from overflow in the engine's arithmetic.
    public static let maximumMilliseconds: Int64 = 8760 * 3_600_000

    public enum Failure: Error, Equatable {
        /// Not `<digits><unit>`; the hint, if any, says how to write it.
        case malformed(hint: String?)
        /// Well formed but above `maximumMilliseconds`.
        case tooLong
    }

    /// Parses `250ms`, `2s`, `5m`, `1h` into milliseconds.
    public static func parse(_ text: String) -> Result<Int64, Failure> {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unitText = text[digits.endIndex...]
        guard !digits.isEmpty, let unit = self.units.first(where: { $0.name == unitText }) else {
            return .failure(.malformed(hint: self.hint(for: text)))
        }
        // Digits beyond 15 overflow nothing here but are far beyond the maximum anyway.
        guard digits.count <= 15, let value = Int64(digits) else { return .failure(.tooLong) }
        let (milliseconds, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
        guard !overflow, milliseconds <= self.maximumMilliseconds else { return .failure(.tooLong) }
        return .success(milliseconds)
    }

    /// The shortest exact spelling of a duration: `1500ms`, `2s`, `5m`, `1h`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds == 0 { return "0s" }
        for unit in self.units.reversed() where milliseconds % unit.milliseconds == 0 {
            return "\(milliseconds / unit.milliseconds)\(unit.name)"
        }
        return "\(milliseconds)ms"
    }

    /// A hint for the common mistakes: a bare number, a fraction, an unknown unit.
    private static func hint(for text: String) -> String? {
        if !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return "add a unit, e.g. '\(text)s'"
        }
        // A fraction such as 1.5s: offer the exact spelling in a smaller unit when there is one.
        let number = text.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        if number.contains("."), let unit = self.units.first(where: { $0.name == text[number.endIndex...] }) {
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count == 2, let whole = Int64(parts[0].isEmpty ? "0" : parts[0]), parts[1].count <= 6,
                let fraction = Int64(parts[1].isEmpty ? "0" : parts[1])
            {
                var scale: Int64 = 1
                for _ in 0..<parts[1].count { scale *= 10 }
                let numerator = whole * scale + fraction  // the value is numerator / scale units
                let total = numerator * unit.milliseconds
                if total % scale == 0 {
                    return "fractions are not allowed; write '\(self.format(.milliseconds(total / scale)))'"
                }
            }
            return "fractions are not allowed"
        }
        return nil
    }
}
