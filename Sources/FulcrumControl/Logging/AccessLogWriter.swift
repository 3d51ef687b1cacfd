import FulcrumEngine
import Logging

/// Writes one access-log record per finished TCP connection / UDP session (SPEC §6), off the data path: the engine
/// threads append to lock-free rings and this writer drains them every `interval` on the control plane.
public struct AccessLogWriter: Sendable {
    private let engine: Engine
    private let logger: Logger

    /// - Parameter logger: the access log's logger (label `fulcrum.access` by convention); records go out at `info`.
    public init(engine: Engine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// Drains until the task is cancelled, then once more so that nothing finished before cancellation is lost.
    public func run(interval: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            self.flush()
            try? await Task.sleep(for: interval)
        }
        self.flush()
    }

    /// Writes every waiting record now.
    public func flush() {
        self.engine.drainAccessLog { record in
            self.logger.info(
                record.transport == .tcp ? "connection closed" : "session closed",
                metadata: AccessLogWriter.metadata(record))
        }
    }

    static func metadata(_ record: AccessRecord) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "service": "\(record.service)",
            "protocol": "\(record.transport.rawValue)",
            "client": "\(record.client)",
            "bytes_in": "\(record.bytesIn)",
            "bytes_out": "\(record.bytesOut)",
            "duration_ms": "\(AccessLogWriter.milliseconds(record.durationNanoseconds))",
            "end": "\(record.end)",
            "start": "\(Timestamp.iso8601(nanoseconds: record.startedAtNanoseconds))",
        ]
        metadata["backend"] = record.backend.map { "\($0)" } ?? "-"
        return metadata
    }

    /// Milliseconds with three decimals, e.g. `12.345`.
    static func milliseconds(_ nanoseconds: UInt64) -> String {
        let micros = nanoseconds / 1000
        let fraction = String(micros % 1000)
        return "\(micros / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
