import FulcrumConfig
import FulcrumNet
import Foundation

/// A resolver answering from a fixed table (lower-case names: DNS ignores case), so that tests never touch DNS.
struct FakeResolver: HostResolver {
    var table: [String: String]

    init(_ table: [String: String] = [:]) { self.table = table }

    func resolve(host: String, port: UInt16) -> Result<IPEndpoint, HostResolutionError> {
        guard let text = self.table[host.lowercased()], let address = IPAddress(text) else {
            return .failure(HostResolutionError(message: "no such host"))
        }
        return .success(IPEndpoint(address: address, port: port))
    }
}

/// Parses `yaml` as `fulcrum.yaml` with a resolver that knows a few names.
func parse(_ yaml: String, resolver: FakeResolver = FakeResolver(["db.internal": "10.9.0.1"])) -> ConfigLoadResult {
    ConfigLoader(resolver: resolver).parse(yaml: yaml, path: "fulcrum.yaml")
}

/// Every diagnostic line, errors and warnings, in position order.
func lines(_ result: ConfigLoadResult) -> [String] {
    result.diagnostics.map(\.description)
}

/// A fresh folder under the system temporary directory, removed by the caller.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fulcrum-config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
