/// JSON string literals (RFC 8259 §7), one writer for the JSON log lines and the admin API's JSON.
public enum JSONString {
    /// Appends `text` to `output` as a quoted, escaped JSON string. With `escapingLessThan`, `<` is written as
    /// `\u003c`, which keeps the string from closing a `<script>` element if it is ever embedded in a page.
    public static func write(_ text: String, into output: inout String, escapingLessThan: Bool = false) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "<" where escapingLessThan: output += "\\u003c"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
