import FulcrumEngine

/// Writes one access-log record per finished TCP connection / UDP session (SPEC §6), off the data path: the engine
/// threads append to lock-free rings and this writer drains them every `interval` on the control plane.
///
/// Records do not go through swift-log: they are rendered by `AccessLogLine` with typed fields and handed to
/// `output` in the process's log-line shape (logger `fulcrum.access`, level `info`). Whether they are written at all
/// is the engine's `recordsAccess`, decided from that logger's level.
public struct AccessLogWriter: Sendable {
    /// The logger name access records carry; its level (info or lower) turns the access log on.
    public static let label = "fulcrum.access"

    /// The most bytes handed to `output` at once: writes up to `PIPE_BUF` (4096 on Linux) to a pipe are atomic, so
    /// a batch of records never interleaves with a log line another thread writes meanwhile.
    static let batchLimit = 4096

    private let engine: Engine
    private let format: LogFormat
    private let output: @Sendable (String) -> Void

    /// - Parameter output: writes one or more lines, separated by line breaks, and ends them with one.
    public init(engine: Engine, format: LogFormat, output: @escaping @Sendable (String) -> Void) {
        self.engine = engine
        self.format = format
        self.output = output
    }

    /// Drains until the task is cancelled, then once more so that nothing finished before cancellation is lost.
    public func run(interval: Duration = .milliseconds(200)) async {
        while !Task.isCancelled {
            self.flush()
            try? await Task.sleep(for: interval)
        }
        self.flush()
    }

    /// Writes every waiting record now, a batch of lines per `output` call.
    public func flush() {
        let time = Timestamp.now()
        var batch = ""
        self.engine.drainAccessLog { record in
            let line = AccessLogLine.render(record, format: self.format, time: time)
            if !batch.isEmpty, batch.utf8.count + 1 + line.utf8.count > Self.batchLimit {
                self.output(batch)
                batch = ""
            }
            if !batch.isEmpty { batch += "\n" }
            batch += line
        }
        if !batch.isEmpty { self.output(batch) }
    }
}
