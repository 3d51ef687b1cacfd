import FulcrumConfig
import FulcrumDiscovery
import FulcrumNet
import Foundation
import Logging

/// The last known good discovered backends of every service, kept on disk (SPEC §8.1) so that a `run` that starts
/// while a registry is down serves what it served before.
///
/// Where: `discovery.json` in `state_dir`, or `<config name>.discovery.json` next to the configuration file.
/// Written after every change, atomically (a temporary file renamed over the old one), as JSON a person can read.
/// A file that cannot be written is logged once at `warning` (serving goes on); one that cannot be read is ignored.
struct DiscoveryStateStore: Sendable {
    private struct File: Codable, Equatable {
        var services: [String: Entry] = [:]
    }

    private struct Entry: Codable, Equatable {
        var source: String
        var savedAt: String
        var backends: [Backend]

        enum CodingKeys: String, CodingKey {
            case source
            case savedAt = "saved_at"
            case backends
        }
    }

    private struct Backend: Codable, Equatable {
        var address: String
        var endpoint: String
        var weight: Int
    }

    private(set) var path: String
    private var file: File
    private var lastWriteFailed = false
    private let logger: Logger

    init(configuration: Configuration, logger: Logger) {
        self.logger = logger
        self.path = Self.path(for: configuration)
        self.file = Self.read(self.path)
    }

    /// Where the state of `configuration` lives.
    static func path(for configuration: Configuration) -> String {
        if let folder = configuration.stateDirectory {
            return (folder as NSString).appendingPathComponent("discovery.json")
        }
        let config = configuration.sourcePath as NSString
        let name = (config.lastPathComponent as NSString).deletingPathExtension
        return (config.deletingLastPathComponent as NSString).appendingPathComponent("\(name).discovery.json")
    }

    /// A reload may move the file (a new `state_dir`): what is known moves with it at the next save.
    mutating func configurationChanged(_ configuration: Configuration) {
        self.path = Self.path(for: configuration)
    }

    /// The saved set of `service`, if it was saved from the same kind of registry.
    func saved(service: String, kind: BackendOrigin) -> DiscoveryAgent.Saved? {
        guard let entry = self.file.services[service], entry.source == kind.rawValue else { return nil }
        let backends = entry.backends.compactMap { backend -> DiscoveredBackend? in
            guard let endpoint = IPEndpoint(backend.endpoint),
                (0...BackendConfig.maxWeight).contains(backend.weight)
            else { return nil }
            return DiscoveredBackend(address: backend.address, endpoint: endpoint, weight: backend.weight)
        }
        return DiscoveryAgent.Saved(backends: backends, savedAt: entry.savedAt)
    }

    /// Records `backends` as the last known good set of `service` and writes the file if anything changed.
    mutating func save(service: String, kind: BackendOrigin, backends: [DiscoveredBackend]) {
        let saved = backends.map { Backend(address: $0.address, endpoint: $0.endpoint.description, weight: $0.weight) }
        if let entry = self.file.services[service], entry.source == kind.rawValue, entry.backends == saved { return }
        self.file.services[service] = Entry(
            source: kind.rawValue, savedAt: Timestamp.now(), backends: saved)
        self.write()
    }

    /// `service` no longer has discovery.
    mutating func forget(service: String) {
        guard self.file.services.removeValue(forKey: service) != nil else { return }
        self.write()
    }

    private mutating func write() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(self.file)
            let folder = (self.path as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let temporary = self.path + ".tmp"
            try data.write(to: URL(fileURLWithPath: temporary))
            if rename(temporary, self.path) != 0 {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: self.path])
            }
            if self.lastWriteFailed {
                self.logger.notice("discovery: last known good backends saved again", metadata: ["path": "\(self.path)"])
            }
            self.lastWriteFailed = false
        } catch {
            if !self.lastWriteFailed {
                self.logger.warning(
                    "discovery: cannot save the last known good backends (set state_dir to a writable folder)",
                    metadata: ["path": "\(self.path)", "error": "\(error)"])
            }
            self.lastWriteFailed = true
        }
    }

    private static func read(_ path: String) -> File {
        guard let data = FileManager.default.contents(atPath: path),
            let file = try? JSONDecoder().decode(File.self, from: data)
        else { return File() }
        return file
    }
}
