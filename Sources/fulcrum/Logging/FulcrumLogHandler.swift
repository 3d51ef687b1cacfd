import FulcrumControl
import Logging

/// Fulcrum's log handler: one line per record on standard output (`LogLine` gives its shape), written with a single
/// `write(2)` so that lines from different threads never interleave.
///
/// Metadata values are strings in JSON unless logged as `.stringConvertible` of an integer (`LogLine` says why):
/// the handler never guesses a type from a value's text, so a service or backend that looks like a number stays a
/// string. Access records have their own typed writer (`AccessLogWriter`).
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
        var line = LogLine(
            format: self.format, time: Timestamp.now(), level: event.level, logger: self.label,
            message: "\(event.message)")
        for key in merged.keys.sorted() { line.append(key, metadata: merged[key]!) }
        StandardOutput.print(line.finish())
    }
}
