import FulcrumConfig
import Foundation
import Testing

/// Reading from disk: unreadable files, encodings, and paths relative to the configuration file.
struct FileLoadingTests {
    static let service = "services:\n  web: {listen: 0.0.0.0:80, backends: []}\n"

    @Test func aMissingFileIsAnError() {
        let result = ConfigLoader(resolver: FakeResolver()).load(path: "/nonexistent/fulcrum.yaml")
        #expect(
            result.errors.map(\.description) == [
                "/nonexistent/fulcrum.yaml:1:1: cannot read the configuration file: No such file or directory"
            ]
        )
        #expect(result.configuration == nil)
    }

    @Test func aFolderIsAnError() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = ConfigLoader(resolver: FakeResolver()).load(path: folder.path)
        #expect(result.errors.map(\.message) == ["cannot read the configuration file: Is a directory"])
    }

    @Test func invalidUTF8IsReportedWhereItStarts() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("f.yaml").path
        try Data("services:\n  w\u{e9}b".utf8 + [0xFF, 0x0A]).write(to: URL(fileURLWithPath: path))
        let result = ConfigLoader(resolver: FakeResolver()).load(path: path)
        #expect(result.errors.map(\.description) == ["\(path):2:6: the file is not valid UTF-8 text"])
    }

    @Test func aValidFileLoadsFromDisk() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("fulcrum.yaml").path
        try Self.service.write(toFile: path, atomically: true, encoding: .utf8)
        let result = ConfigLoader(resolver: FakeResolver()).load(path: path)
        #expect(result.errors.isEmpty)
        #expect(result.warnings.map(\.description) == ["\(path):2:29: warning: service 'web' has no backends"])
        #expect(result.configuration?.sourcePath == path)
    }

    // MARK: token_file

    /// Writes `fulcrum.yaml` in `folder/conf` naming `tokenFile`, and loads it through `path`.
    private func loadWithToken(_ tokenFile: String, folder: URL, configPath: String) -> ConfigLoadResult {
        let yaml = "admin:\n  listen: 127.0.0.1:9901\n  token_file: \(tokenFile)\n" + Self.service
        try? FileManager.default.createDirectory(
            at: folder.appendingPathComponent("conf"), withIntermediateDirectories: true
        )
        try? yaml.write(to: folder.appendingPathComponent("conf/fulcrum.yaml"), atomically: true, encoding: .utf8)
        return ConfigLoader(resolver: FakeResolver()).load(path: configPath)
    }

    @Test func aRelativeTokenFileResolvesAgainstTheConfigFolder() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "\n\ttoken-123\r\n".write(
            to: folder.appendingPathComponent("conf-token"), atomically: true, encoding: .utf8
        )
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("conf/secrets"), withIntermediateDirectories: true
        )
        try "abc".write(to: folder.appendingPathComponent("conf/secrets/t"), atomically: true, encoding: .utf8)

        let nested = self.loadWithToken("./secrets/t", folder: folder, configPath: folder.path + "/conf/fulcrum.yaml")
        #expect(nested.errors.isEmpty)
        #expect(nested.configuration?.admin?.tokenFile == folder.path + "/conf/secrets/t")
        #expect(nested.configuration?.admin?.token == "abc")

        let parent = self.loadWithToken("../conf-token", folder: folder, configPath: folder.path + "/conf/fulcrum.yaml")
        #expect(parent.errors.isEmpty)
        #expect(parent.configuration?.admin?.tokenFile == folder.path + "/conf/../conf-token")
        #expect(parent.configuration?.admin?.token == "token-123")
    }

    @Test func aConfigPathWithoutFolderKeepsTheTokenPathAsWritten() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // `parse` reads no configuration file, but does read the token: give it an absolute one.
        let tokenPath = folder.appendingPathComponent("token").path
        try "t0k3n".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        let absolute = ConfigLoader(resolver: FakeResolver()).parse(
            yaml: "admin: {listen: '127.0.0.1:9901', token_file: \(tokenPath)}\nservices: {}\n", path: "fulcrum.yaml"
        )
        #expect(absolute.configuration?.admin?.tokenFile == tokenPath)
        #expect(absolute.configuration?.admin?.token == "t0k3n")

        let relative = ConfigLoader(resolver: FakeResolver()).parse(
            yaml: "admin: {listen: '127.0.0.1:9901', token_file: ./no-such-token}\nservices: {}\n",
            path: "fulcrum.yaml"
        )
        #expect(
            relative.errors.map(\.description) == [
                "fulcrum.yaml:1:47: admin: cannot read token_file './no-such-token': No such file or directory"
            ]
        )
    }

    @Test func tokenFileProblems() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("conf"), withIntermediateDirectories: true
        )
        try " \n ".write(to: folder.appendingPathComponent("conf/blank"), atomically: true, encoding: .utf8)
        try "two\nlines".write(to: folder.appendingPathComponent("conf/two"), atomically: true, encoding: .utf8)
        let configPath = folder.path + "/conf/fulcrum.yaml"

        let blank = self.loadWithToken("blank", folder: folder, configPath: configPath)
        #expect(blank.errors.map(\.description) == ["\(configPath):3:15: admin: token_file 'blank' is empty"])
        let two = self.loadWithToken("two", folder: folder, configPath: configPath)
        #expect(
            two.errors.map(\.description) == [
                "\(configPath):3:15: admin: token_file 'two' must hold one line without control characters"
            ]
        )
        let missing = self.loadWithToken("gone", folder: folder, configPath: configPath)
        #expect(
            missing.errors.map(\.description) == [
                "\(configPath):3:15: admin: cannot read token_file 'gone': No such file or directory"
            ]
        )
    }
}
