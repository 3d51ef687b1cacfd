import ArgumentParser
import FulcrumConfig

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Parse and validate a configuration file: print 'ok', or every error as PATH:LINE:COLUMN: message."
    )

    @Option(help: "The configuration file.")
    var config: String = "./fulcrum.yaml"

    func run() throws {
        let result = ConfigLoader().load(path: self.config)
        for diagnostic in result.warnings { StandardError.print(diagnostic.description) }
        guard result.errors.isEmpty else {
            for diagnostic in result.errors { StandardError.print(diagnostic.description) }
            throw ExitCode(1)
        }
        print("ok")
    }
}
