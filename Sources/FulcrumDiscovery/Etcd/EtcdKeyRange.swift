/// The keys under a prefix as an etcd range names them: every key `k` with `key <= k < rangeEnd`, compared as bytes.
struct EtcdKeyRange: Sendable, Hashable {
    var key: [UInt8]
    var rangeEnd: [UInt8]

    init(prefix: String) {
        let bytes = Array(prefix.utf8)
        if bytes.isEmpty {
            // etcd's own rule for an empty prefix (clientv3 `WithPrefix`): from "\0" to "\0", i.e. every key.
            self.key = [0]
            self.rangeEnd = [0]
        } else {
            self.key = bytes
            self.rangeEnd = Self.prefixEnd(bytes)
        }
    }

    /// The first key after every key that starts with `prefix`: the prefix with its last byte below 0xff incremented
    /// and what follows that byte dropped (`/a/` → `/a0`, `a\u{ff}` → `b`). A prefix of 0xff bytes only has no such
    /// key; etcd's answer then is `[0]`, meaning "to the end of the key space" (clientv3 `GetPrefixRangeEnd`).
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        while let last = end.last {
            if last < 0xff {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]
    }
}
