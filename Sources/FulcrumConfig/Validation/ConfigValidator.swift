import FulcrumNet
import Yams

/// Turns a composed YAML document into a `Configuration`, collecting every problem on the way.
///
/// Rules for positions (SPEC §7): a bad value is reported at the value, an unknown key at the key, a missing key at
/// the mapping that lacks it. For a mapping that is the value of a key (a service under `services:`, `admin:`,
/// `health_check:`) that position is the key's, so that a service without `backends` is reported on the line of
/// `web:`; for a list item (a backend) it is where the item's mapping starts; for the document, where it starts.
struct ConfigValidator {
    let resolver: any HostResolver
    /// The folder of the configuration file, for relative paths (`""` when the path has no folder part).
    let configFolder: String
    var diagnostics = DiagnosticCollector()

    /// Who listens where, to refuse two listeners on one address and protocol.
    var listenOwners: [ListenKey: String] = [:]
    /// Host names already resolved during this load (each is asked once even if several backends use it).
    var resolved: [String: Result<IPEndpoint, HostResolutionError>] = [:]
    /// How many more keys `<<` merges may bring in. Nested merges of aliases can multiply without bound (a "billion
    /// laughs" file); no real configuration comes near the limit.
    var mergeBudget = Self.maximumMergedKeys
    static let maximumMergedKeys = 100_000

    struct ListenKey: Hashable {
        var transport: TransportProtocol
        var endpoint: IPEndpoint
    }

    init(resolver: any HostResolver, configFolder: String) {
        self.resolver = resolver
        self.configFolder = configFolder
    }

    mutating func error(_ context: String, _ message: String, at node: Node) {
        self.diagnostics.error(Self.prefixed(context, message), at: node.position)
    }

    mutating func warning(_ context: String, _ message: String, at node: Node) {
        self.diagnostics.warning(Self.prefixed(context, message), at: node.position)
    }

    static func prefixed(_ context: String, _ message: String) -> String {
        context.isEmpty ? message : "\(context): \(message)"
    }

    /// The whole document. `nil` when any error was found.
    mutating func validate(document: Node?, sourcePath: String) -> Configuration? {
        guard let document else {
            self.diagnostics.error(
                "the configuration is empty (expected a mapping with at least 'services')", at: .start
            )
            return nil
        }
        guard case .mapping = document else {
            self.error(
                "", "the configuration must be a mapping with at least 'services', found \(document.foundDescription)",
                at: document
            )
            return nil
        }
        let entries = self.sectionEntries(of: document, section: .root, context: "")

        var admin: AdminSettings?
        if let entry = entries["admin"] {
            admin = self.admin(entry)
        }
        var shutdownGrace = Configuration.defaultShutdownGrace
        if let entry = entries["shutdown_grace"] {
            shutdownGrace = self.duration(entry, allowZero: true, context: "") ?? shutdownGrace
        }
        var stateDirectory: String?
        if let entry = entries["state_dir"], let written = self.string(entry, context: "") {
            stateDirectory = self.stateDirectory(written, at: entry.value)
        }
        var services: [ServiceConfig] = []
        if let entry = entries["services"] {
            services = self.services(entry)
        } else {
            self.error("", "missing required key 'services'", at: document)
        }

        guard !self.diagnostics.hasErrors else { return nil }
        return Configuration(
            admin: admin, shutdownGrace: shutdownGrace, services: services, sourcePath: sourcePath,
            stateDirectory: stateDirectory)
    }

    /// `services:`, a mapping from name to settings. An empty mapping is valid (a warning): reloading to no
    /// services is a way to stop serving without stopping the process.
    private mutating func services(_ entry: MappingEntry) -> [ServiceConfig] {
        guard case .mapping = entry.value else {
            self.error(
                "", "services must be a mapping from service name to settings, found \(entry.value.foundDescription)",
                at: entry.value
            )
            return []
        }
        let pairs = self.flattenedPairs(of: entry.value, context: "services")
        if pairs.isEmpty {
            self.warning("", "no services are defined", at: entry.keyNode)
        }
        var services: [ServiceConfig] = []
        var seen: Set<String> = []
        for pair in pairs where seen.insert(pair.key).inserted {
            guard Self.isValidServiceName(pair.key) else {
                self.error(
                    "",
                    "service name '\(displayText(pair.key))' is invalid (use only letters, digits, '_', '.' and '-')",
                    at: pair.keyNode
                )
                continue
            }
            if let service = self.service(name: pair.key, keyNode: pair.keyNode, value: pair.value) {
                services.append(service)
            }
        }
        return services
    }

    static func isValidServiceName(_ name: String) -> Bool {
        !name.isEmpty
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    /// Records a listener, or reports that the address is taken. `owner` reads as "service 'web'" or
    /// "the admin server".
    mutating func claimListen(_ key: ListenKey, owner: String, context: String, at node: Node) {
        if let existing = self.listenOwners[key] {
            let message =
                existing == owner
                ? "listen '\(key.endpoint)' is listed twice"
                : "listen '\(key.endpoint)' is already used by \(existing)"
            self.error(context, message, at: node)
            return
        }
        self.listenOwners[key] = owner
    }
}
