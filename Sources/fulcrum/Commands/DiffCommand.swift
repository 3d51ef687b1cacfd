import ArgumentParser
import FulcrumConfig
import FulcrumControl

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Preview a configuration change: what each service gains, loses or changes, and for hash services "
            + "the share of client flows that would move to another backend."
    )

    @Argument(help: "The configuration in use.")
    var old: String

    @Argument(help: "The configuration to compare it with.")
    var new: String

    func run() throws {
        let loader = ConfigLoader()
        let before = loader.load(path: self.old)
        let after = loader.load(path: self.new)
        let errors = before.errors + after.errors
        guard let old = before.configuration, let new = after.configuration, errors.isEmpty else {
            for diagnostic in errors { StandardError.print(diagnostic.description) }
            throw ExitCode(1)
        }
        let lines = ConfigComparison(old: old, new: new).lines
        print(lines.isEmpty ? "no changes" : lines.joined(separator: "\n"))
    }
}
