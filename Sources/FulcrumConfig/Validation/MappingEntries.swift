import Yams

/// One `key: value` pair of a mapping, with both nodes for positions.
struct MappingEntry {
    var key: String
    var keyNode: Node
    var value: Node
}

/// The accepted keys of one section mapping (unknown and gated-off keys already reported and left out).
struct SectionEntries {
    /// The mapping node itself.
    var mapping: Node
    private(set) var ordered: [MappingEntry] = []
    private var byKey: [String: Int] = [:]

    init(mapping: Node) { self.mapping = mapping }

    subscript(key: String) -> MappingEntry? {
        self.byKey[key].map { self.ordered[$0] }
    }

    /// Adds `entry` unless its key is already present (explicit keys come first and win over merged ones).
    mutating func add(_ entry: MappingEntry) {
        guard self.byKey[entry.key] == nil else { return }
        self.byKey[entry.key] = self.ordered.count
        self.ordered.append(entry)
    }
}

extension ConfigValidator {
    /// The pairs of a mapping with YAML merge keys (`<<: *defaults`) applied: the mapping's own keys first, in
    /// order, then merged keys it does not override (from the first merged mapping that has them).
    mutating func flattenedPairs(of node: Node, context: String) -> [MappingEntry] {
        guard case .mapping(let mapping) = node else { return [] }
        var own: [MappingEntry] = []
        var merged: [MappingEntry] = []
        for (keyNode, value) in mapping {
            if keyNode.isMergeKey {
                let sources: [Node]
                switch value {
                case .mapping: sources = [value]
                case .sequence(let sequence): sources = Array(sequence)
                case .scalar, .alias: sources = [value]
                }
                for source in sources {
                    guard self.mergeBudget > 0 else {
                        self.error(
                            context, "merge keys expand to more than \(Self.maximumMergedKeys) keys; nest them less",
                            at: keyNode
                        )
                        break
                    }
                    guard case .mapping = source else {
                        self.error(
                            context,
                            "'<<' must merge a mapping or a list of mappings, found \(source.foundDescription)",
                            at: source
                        )
                        continue
                    }
                    let pairs = self.flattenedPairs(of: source, context: context)
                    self.mergeBudget -= pairs.count
                    merged += pairs
                }
                continue
            }
            guard case .scalar(let scalar) = keyNode, !keyNode.isNull else {
                self.error(context, "expected a key name, found \(keyNode.foundDescription)", at: keyNode)
                continue
            }
            own.append(MappingEntry(key: scalar.string, keyNode: keyNode, value: value))
        }
        return own + merged
    }

    /// The entries of a section mapping: unknown keys are errors at the key (with a suggestion when one is close).
    /// `node` must be a mapping.
    mutating func sectionEntries(of node: Node, section: ConfigSection, context: String) -> SectionEntries {
        var entries = SectionEntries(mapping: node)
        let known = section.knownKeys
        for entry in self.flattenedPairs(of: node, context: context) {
            if entries[entry.key] != nil { continue }
            guard known.contains(entry.key) else {
                // Extension keys (`x-defaults: &defaults ...`) give anchors a home at the top level, as in
                // Compose files.
                if section == .root, entry.key.hasPrefix("x-") { continue }
                self.error(context, self.unknownKeyMessage(entry.key, known: known), at: entry.keyNode)
                continue
            }
            entries.add(entry)
        }
        return entries
    }

    func unknownKeyMessage(_ key: String, known: [String]) -> String {
        if let suggestion = closestMatch(to: key, in: known) {
            return "unknown key '\(displayText(key))' (did you mean '\(suggestion)'?)"
        }
        return "unknown key '\(displayText(key))' (expected one of: \(known.joined(separator: ", ")))"
    }
}
