import Foundation
import FulcrumNet
import Yams

extension ConfigValidator {
    /// `admin:` — the admin server's address (an IP literal: it must never depend on DNS) and optional token file.
    mutating func admin(_ section: MappingEntry) -> AdminSettings? {
        let context = "admin"
        guard case .mapping = section.value else {
            self.error(
                context, "expected a mapping with 'listen' (and optionally 'token_file'), found "
                    + section.value.foundDescription,
                at: section.value
            )
            return nil
        }
        let entries = self.sectionEntries(of: section.value, section: .admin, context: context)
        var listen: IPEndpoint?
        if let entry = entries["listen"] {
            listen = self.listenEndpoint(entry.value, key: "listen", context: context)
            if let listen {
                self.claimListen(
                    ListenKey(transport: .tcp, endpoint: listen), owner: "the admin server", context: context,
                    at: entry.value
                )
            }
        } else {
            self.error(context, "missing required key 'listen'", at: section.keyNode)
        }
        var tokenFile: String?
        var token: String?
        if let entry = entries["token_file"], let written = self.string(entry, context: context) {
            if written.isEmpty {
                self.error(context, "token_file must be a file path, found ''", at: entry.value)
            } else {
                let path = Self.resolve(path: written, againstFolder: self.configFolder)
                tokenFile = path
                token = self.readToken(path: path, written: written, context: context, at: entry.value)
            }
        }
        guard let listen else { return nil }
        return AdminSettings(listen: listen, tokenFile: tokenFile, token: token)
    }

    /// A relative path is relative to the configuration file's folder (SPEC §7); the result is relative to the
    /// working directory when the configuration path was.
    static func resolve(path: String, againstFolder folder: String) -> String {
        if path.hasPrefix("/") || folder.isEmpty { return path }
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return folder.hasSuffix("/") ? folder + relative : folder + "/" + relative
    }

    /// The token: the file's content with surrounding whitespace trimmed. It must be non-empty (an empty token would
    /// let anyone in) and a valid header value (no control characters).
    private mutating func readToken(path: String, written: String, context: String, at node: Node) -> String? {
        let bytes: [UInt8]
        switch FileReader.read(path: path, limit: 64 * 1024) {
        case .success(let contents): bytes = contents
        case .failure(let failure):
            self.error(context, "cannot read token_file '\(displayText(written))': \(failure.reason)", at: node)
            return nil
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            self.error(context, "token_file '\(displayText(written))' is not UTF-8 text", at: node)
            return nil
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.isEmpty {
            self.error(context, "token_file '\(displayText(written))' is empty", at: node)
            return nil
        }
        if token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            self.error(
                context, "token_file '\(displayText(written))' must hold one line without control characters",
                at: node
            )
            return nil
        }
        return token
    }
}
