import ArgumentParser
import FulcrumControl
import Glibc
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

/// `--log-level` and `--log-format` (options of `run` and `demo` only, SPEC §7).
struct LoggingOptions: ParsableArguments {
    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    @Option(help: "text or json (default: text on a terminal, json otherwise).")
    var logFormat: LogFormat?

    /// Installs Fulcrum's log handler for the whole process. Call once, before anything logs. Returns the format
    /// chosen, which the access log (written apart from swift-log) follows too.
    func bootstrap() -> LogFormat {
        let format = self.logFormat ?? (isatty(STDOUT_FILENO) == 1 ? .text : .json)
        let level = self.logLevel
        LoggingSystem.bootstrap { label in FulcrumLogHandler(label: label, format: format, level: level) }
        return format
    }
}
