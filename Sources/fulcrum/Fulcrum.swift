import ArgumentParser

@main
struct Fulcrum: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fulcrum",
        abstract: "A Layer 4 (TCP and UDP) load balancer for Linux.",
        version: FulcrumVersion.current,
        subcommands: [RunCommand.self, ValidateCommand.self, DemoCommand.self, DiffCommand.self]
    )
}

enum FulcrumVersion {
    static let current = "0.1.0"
}
