import Foundation
import Yams

extension ConfigValidator {
    /// `state_dir:` — a folder for state that outlives the process (relative to the configuration file's folder).
    /// It need not exist yet (it is created when first written), but if something is there it must be a folder.
    mutating func stateDirectory(_ written: String, at node: Node) -> String? {
        guard !written.isEmpty else {
            self.error("", "state_dir must be a folder path, found ''", at: node)
            return nil
        }
        let path = Self.resolve(path: written, againstFolder: self.configFolder)
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            self.error("", "state_dir '\(displayText(written))' is a file, not a folder", at: node)
            return nil
        }
        return path
    }
}
