import FulcrumControl

/// A JSON document to send: what the admin API's responses are built from. Objects keep their key order, so
/// responses read in the SPEC's order. Request bodies are read with Foundation's `JSONDecoder` instead
/// (`RequestBodyDecoder`).
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])
}

// MARK: - Writing

extension JSONValue {
    /// Compact JSON text (RFC 8259), with a final newline so that `curl` output ends cleanly.
    var text: String {
        var output = ""
        self.write(into: &output)
        output += "\n"
        return output
    }

    private func write(into output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .int(let value):
            output += String(value)
        case .double(let value):
            // JSON has no NaN or infinity; integral values print without a fraction.
            if !value.isFinite {
                output += "null"
            } else if value == value.rounded(), abs(value) < 1e15 {
                output += String(Int64(value))
            } else {
                output += "\(value)"
            }
        case .string(let value):
            JSONString.write(value, into: &output, escapingLessThan: true)
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(into: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { output += "," }
                JSONString.write(key, into: &output, escapingLessThan: true)
                output += ":"
                value.write(into: &output)
            }
            output += "}"
        }
    }
}
