import Logging

/// One log line, built field by field. Each field's JSON type comes from the Swift type it is given: a string is
/// always a JSON string (a service named `8080` stays `"8080"`), an integer a JSON number. Nothing is guessed back
/// from text. The process's log handler and the access-log writer both write through this, so both formats keep one
/// shape:
///
/// text: `2026-11-27T18:04:05.123Z notice fulcrum: reload applied: no changes service=web`
/// json: `{"time":"…","level":"notice","logger":"fulcrum","message":"reload applied: no changes","service":"web"}`
///
/// Fields appear in the order they are appended; callers append them sorted by key.
public struct LogLine {
    /// The keys of the line's envelope. In JSON a field with one of these names is left out: an object with the same
    /// key twice is read differently by different parsers.
    static let envelopeKeys: Set<String> = ["time", "level", "logger", "message"]

    private let format: LogFormat
    private var text: String

    public init(format: LogFormat, time: String, level: Logger.Level, logger: String, message: String) {
        self.format = format
        self.text = ""
        self.text.reserveCapacity(256)
        switch format {
        case .text:
            self.text += "\(time) \(level.rawValue) \(logger): \(message)"
        case .json:
            self.text += "{\"time\":"
            JSONString.write(time, into: &self.text)
            self.text += ",\"level\":"
            JSONString.write(level.rawValue, into: &self.text)
            self.text += ",\"logger\":"
            JSONString.write(logger, into: &self.text)
            self.text += ",\"message\":"
            JSONString.write(message, into: &self.text)
        }
    }

    /// A text field: a JSON string; in text, quoted when it would not read back as one `key=value` word.
    public mutating func append(_ key: String, string value: String) {
        guard self.beginField(key) else { return }
        switch self.format {
        case .text:
            if value.isEmpty || value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) {
                JSONString.write(value, into: &self.text)
            } else {
                self.text += value
            }
        case .json:
            JSONString.write(value, into: &self.text)
        }
    }

    /// A count: a JSON number.
    public mutating func append(_ key: String, integer value: some BinaryInteger) {
        guard self.beginField(key) else { return }
        self.text += String(value)
    }

    /// A duration as milliseconds with three decimals (`12.345`): a JSON number.
    public mutating func append(_ key: String, milliseconds nanoseconds: UInt64) {
        guard self.beginField(key) else { return }
        let micros = nanoseconds / 1000
        let fraction = String(micros % 1000)
        self.text += String(micros / 1000)
        self.text += "."
        self.text += String(repeating: "0", count: 3 - fraction.count)
        self.text += fraction
    }

    /// A swift-log metadata value. `Logger.Metadata` carries text, so a value is a string unless it was logged as
    /// `.stringConvertible` of an integer type (e.g. `"weight": .stringConvertible(weight)`): then it is a number.
    public mutating func append(_ key: String, metadata value: Logger.MetadataValue) {
        switch (self.format, value) {
        case (_, .string(let text)):
            self.append(key, string: text)
        case (_, .stringConvertible(let convertible)):
            if let integer = convertible as? any BinaryInteger {
                self.append(key, integer: integer)
            } else {
                self.append(key, string: convertible.description)
            }
        case (.text, .array), (.text, .dictionary):
            self.append(key, string: value.description)
        case (.json, .array), (.json, .dictionary):
            guard self.beginField(key) else { return }
            Self.writeJSON(value, into: &self.text)
        }
    }

    /// The finished line, without a line break.
    public consuming func finish() -> String {
        if self.format == .json { self.text += "}" }
        return self.text
    }

    /// Writes ` key=` or `,"key":`; `false` when the field is to be left out.
    private mutating func beginField(_ key: String) -> Bool {
        switch self.format {
        case .text:
            self.text += " \(key)="
        case .json:
            guard !Self.envelopeKeys.contains(key) else { return false }
            self.text += ","
            JSONString.write(key, into: &self.text)
            self.text += ":"
        }
        return true
    }

    private static func writeJSON(_ value: Logger.MetadataValue, into output: inout String) {
        switch value {
        case .string(let text):
            JSONString.write(text, into: &output)
        case .stringConvertible(let convertible):
            if let integer = convertible as? any BinaryInteger {
                output += String(integer)
            } else {
                JSONString.write(convertible.description, into: &output)
            }
        case .array(let values):
            output += "["
            for (index, element) in values.enumerated() {
                if index > 0 { output += "," }
                self.writeJSON(element, into: &output)
            }
            output += "]"
        case .dictionary(let dictionary):
            output += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                JSONString.write(key, into: &output)
                output += ":"
                self.writeJSON(dictionary[key]!, into: &output)
            }
            output += "}"
        }
    }
}
