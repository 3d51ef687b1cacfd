import Glibc

/// What the admin server says about the running process (`GET /api/v1/info`, the status page's header).
public struct AdminServerInfo: Sendable {
    /// The Fulcrum version.
    public var version: String
    /// The configuration file, as given on the command line.
    public var configPath: String
    /// When the process started serving, in seconds since the Unix epoch.
    public var startedAt: Double

    /// - Parameter startedAt: defaults to now.
    public init(version: String, configPath: String, startedAt: Double = AdminServerInfo.now()) {
        self.version = version
        self.configPath = configPath
        self.startedAt = startedAt
    }

    /// The wall-clock time in seconds since the Unix epoch.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func json(engineThreads: Int) -> JSONValue {
        .object([
            ("version", .string(self.version)),
            ("pid", .int(Int(getpid()))),
            ("config", .string(self.configPath)),
            ("started_at", .double((self.startedAt * 1000).rounded() / 1000)),
            ("uptime_seconds", .double(((Self.now() - self.startedAt) * 10).rounded() / 10)),
            ("engine_threads", .int(engineThreads)),
        ])
    }
}
