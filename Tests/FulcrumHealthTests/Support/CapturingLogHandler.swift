import Logging
import Synchronization

/// Keeps every record logged through it, for asserting levels, messages and metadata.
struct CapturingLogHandler: LogHandler {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    final class Store: Sendable {
        let records = Mutex<[Record]>([])

        var all: [Record] { self.records.withLock { $0 } }
    }

    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = self.metadata
        for (key, value) in event.metadata ?? [:] {
            merged[key] = value
        }
        let record = Record(
            level: event.level,
            message: "\(event.message)",
            metadata: merged.mapValues { "\($0)" }
        )
        self.store.records.withLock { $0.append(record) }
    }

    /// A logger writing into a fresh store.
    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test", factory: { _ in CapturingLogHandler(store: store) }), store)
    }
}
