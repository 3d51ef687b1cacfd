/// The backends the keys under an etcd prefix name, by key: the state the source reports after a full read and after
/// each batch of watch events. Pure: values arrive already parsed and resolved.
///
/// Rules, each there so that a registry mistake never empties a pool:
/// - A key whose new value cannot be a backend keeps its last good value (if it had one) until it is deleted or
///   written again: an operator's typo on a live key must not remove a live backend. It is reported each time.
/// - Two keys with the same address give one backend: the first in key order (bytes, as etcd sorts them) wins and
///   the other is reported as a duplicate each time it is written, and when it becomes one.
struct EtcdBackendTable: Sendable {
    /// Each key's last good backend.
    private var backends: [String: DiscoveredBackend] = [:]
    /// Keys left out of the last snapshot as duplicates of an earlier key's address.
    private var duplicates: Set<String> = []
    /// Keys read or written since the last snapshot: a duplicate among them is reported again.
    private var touched: Set<String> = []
    /// Rejections since the last snapshot, in the order the values were read.
    private var rejections: [EtcdRejectedEntry] = []

    init() {}

    /// A full read of the prefix: keys not in `entries` are gone; the others take their new value.
    mutating func replaceAll(with entries: [(key: String, value: Result<DiscoveredBackend, EtcdValueRejection>)]) {
        let present = Set(entries.map(\.key))
        for key in self.backends.keys where !present.contains(key) {
            self.backends[key] = nil
        }
        for entry in entries {
            self.put(entry.key, entry.value)
        }
    }

    /// A key was written.
    mutating func put(_ key: String, _ value: Result<DiscoveredBackend, EtcdValueRejection>) {
        self.touched.insert(key)
        switch value {
        case .success(let backend):
            self.backends[key] = backend
        case .failure(let rejection):
            self.rejections.append(EtcdRejectedEntry(key: key, reason: rejection.reason))
        }
    }

    /// A key was deleted.
    mutating func delete(_ key: String) {
        self.backends[key] = nil
        self.duplicates.remove(key)
    }

    /// The complete set in key order, and the entries to report as rejected since the last snapshot.
    mutating func snapshot() -> (backends: [DiscoveredBackend], rejected: [EtcdRejectedEntry]) {
        var owners: [String: String] = [:]
        var result: [DiscoveredBackend] = []
        var rejected = self.rejections
        var duplicates: Set<String> = []
        for key in self.backends.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let backend = self.backends[key]!
            if let owner = owners[backend.address] {
                duplicates.insert(key)
                if self.touched.contains(key) || !self.duplicates.contains(key) {
                    let reason = "duplicate address \(backend.address) (already under \(owner))"
                    rejected.append(EtcdRejectedEntry(key: key, reason: reason))
                }
            } else {
                owners[backend.address] = key
                result.append(backend)
            }
        }
        self.duplicates = duplicates
        self.touched = []
        self.rejections = []
        return (result, rejected)
    }
}

/// A key whose value was skipped, and why: one `DiscoveryReport.rejectedEntry` call.
struct EtcdRejectedEntry: Sendable, Hashable {
    var key: String
    var reason: String
}
