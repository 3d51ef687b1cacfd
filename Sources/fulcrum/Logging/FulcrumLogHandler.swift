import FulcrumControl
import Glibc
import Logging
import Synchronization

/// How log lines look: `text` for people, `json` (one object per line) for machines.
enum LogFormat: String, Sendable, CaseIterable {
    case text
    case json
}

/// Fulcrum's log handler: one line per record on standard output, written with a single `write(2)` so that lines
/// from different threads never interleave.
///
/// text: `2026-11-27T18:04:05.123Z notice fulcrum: reload applied: no changes service=web`
/// json: `{"time":"…","level":"notice","logger":"fulcrum","message":"reload applied: no changes","service":"web"}`
struct FulcrumLogHandler: LogHandler {
    let label: String
    let format: LogFormat
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line: String
        switch self.format {
        case .text: line = self.textLine(event, merged)
        case .json: line = self.jsonLine(event, merged)
        }
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDOUT_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }

    private func textLine(_ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var line = "\(Timestamp.now()) \(event.level) \(self.label): \(event.message)"
        for key in metadata.keys.sorted() {
            let value = "\(metadata[key]!)"
            let needsQuotes = value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            line += " \(key)=" + (needsQuotes ? JSON.quote(value) : value)
        }
        return line
    }

    private func jsonLine(_ event: LogEvent, _ metadata: Logger.Metadata) -> String {
        var fields = [
            "\"time\":\(JSON.quote(Timestamp.now()))",
            "\"level\":\(JSON.quote(event.level.rawValue))",
            "\"logger\":\(JSON.quote(self.label))",
            "\"message\":\(JSON.quote("\(event.message)"))",
        ]
        for key in metadata.keys.sorted() where !["time", "level", "logger", "message"].contains(key) {
            fields.append("\(JSON.quote(key)):\(JSON.value(metadata[key]!))")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// Just enough JSON for log lines.
enum JSON {
    static func quote(_ text: String) -> String {
        var result = ""
        JSONString.write(text, into: &result)
        return result
    }

    /// Numbers stay numbers (byte counts, durations), everything else is a string.
    static func value(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text):
            return self.isNumber(text) ? text : self.quote(text)
        case .stringConvertible(let convertible):
            let text = convertible.description
            return self.isNumber(text) ? text : self.quote(text)
        case .array(let values):
            return "[" + values.map { self.value($0) }.joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            return "{" + dictionary.keys.sorted().map { "\(self.quote($0)):\(self.value(dictionary[$0]!))" }
                .joined(separator: ",") + "}"
        }
    }

    private static func isNumber(_ text: String) -> Bool {
        guard let first = text.first, first.isNumber || (first == "-" && text.count > 1) else { return false }
        var sawDot = false
        for (index, character) in text.enumerated() {
            if character == "-" && index == 0 { continue }
            if character == "." && !sawDot { sawDot = true; continue }
            if !character.isASCII || !character.isNumber { return false }
        }
        return text.last != "."
    }
}
