import FulcrumEngine
import FulcrumNet
import Logging

/// One access record as a log line (SPEC §6). The fields go straight from the record's typed values into the line,
/// the way HAProxy's log-format and Envoy's access-log formatter keep a field's type from its source: the service,
/// client, backend, end, protocol and start are strings whatever they look like (a service may be named `8080`), the
/// byte counts and the duration are numbers. Going through `Logger.Metadata` instead would turn every field into text
/// that a JSON writer could only guess a type for.
enum AccessLogLine {
    static func render(_ record: AccessRecord, format: LogFormat, time: String) -> String {
        var line = LogLine(
            format: format, time: time, level: .info, logger: AccessLogWriter.label,
            message: record.transport == .tcp ? "connection closed" : "session closed")
        // Sorted by key, as the log handler sorts metadata keys: the order the records always had.
        line.append("backend", string: record.backend ?? "-")
        line.append("bytes_in", integer: record.bytesIn)
        line.append("bytes_out", integer: record.bytesOut)
        line.append("client", string: record.client.description)
        line.append("duration_ms", milliseconds: record.durationNanoseconds)
        line.append("end", string: record.end.description)
        line.append("protocol", string: record.transport.rawValue)
        line.append("service", string: record.service)
        line.append("start", string: Timestamp.iso8601(nanoseconds: record.startedAtNanoseconds))
        return line.finish()
    }
}
