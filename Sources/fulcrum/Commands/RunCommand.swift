import ArgumentParser
import Logging

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Start serving. SIGHUP reloads the configuration; SIGTERM or SIGINT shut down gracefully."
    )

    @Option(help: "The configuration file.")
    var config: String = "./fulcrum.yaml"

    @OptionGroup var logging: LoggingOptions

    @Option(help: "Engine threads (default: one per CPU).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 || threads > 256 {
            throw ValidationError("--threads must be between 1 and 256")
        }
    }

    func run() async throws {
        let logFormat = self.logging.bootstrap()
        let server = FulcrumServer(
            configPath: self.config, threads: self.threads, logger: Logger(label: "fulcrum"), logFormat: logFormat)
        let code = await server.run()
        if code != 0 { throw ExitCode(code) }
    }
}
