import ArgumentParser
import Logging

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start demo backends on loopback and Fulcrum in front of them, and print what to try."
    )

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        self.logging.bootstrap()
        throw ExitCode(1)
    }
}
