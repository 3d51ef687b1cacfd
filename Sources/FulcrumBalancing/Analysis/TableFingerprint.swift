/// The `table_fingerprint` of hash services (SPEC §3, §7): XXH64 (seed 0) of a canonical encoding of the lookup
/// table, as 16 lowercase hex digits.
///
/// Encoding, version 1 (little-endian integers):
///   "fulcrum-table-v1" 0x00, the algorithm name 0x00, the `hash_key` name 0x00,
///   table size (u64; 0 for source_hash), member count (u64),
///   per member in canonical order (key bytes, then weight): key (UTF-8) 0x00, weight (u32),
///   maglev only: the slots' digest (u64), XXH64 (seed 0) of, per slot, the owner's canonical index (u32).
/// Member ids and the order members were given in never enter; neither does the service name. Including the slots
/// (not only the inputs) makes instances that build tables differently, e.g. a future version, disagree visibly.
enum TableFingerprint {
    static func sourceHash(table: MemberTable, hashKey: HashKey) -> String {
        let encoder = Encoder(algorithm: "source_hash", hashKey: hashKey, tableSize: 0, table: table)
        return encoder.digest()
    }

    static func maglev(table: MemberTable, lookup: MaglevTable, hashKey: HashKey) -> String {
        var encoder = Encoder(algorithm: "maglev", hashKey: hashKey, tableSize: lookup.size, table: table)
        encoder.append(TableFingerprint.slotsDigest(lookup.entries))
        return encoder.digest()
    }

    /// The digest of the slots, hashed in place on a little-endian machine: no copy of a table that can be megabytes.
    private static func slotsDigest(_ entries: [UInt32]) -> UInt64 {
        if UInt32(1).littleEndian == 1 { return entries.withUnsafeBytes { XXHash64.hash($0) } }
        return entries.map(\.littleEndian).withUnsafeBytes { XXHash64.hash($0) }
    }

    private struct Encoder {
        var bytes: [UInt8] = []

        init(algorithm: String, hashKey: HashKey, tableSize: Int, table: MemberTable) {
            self.append(text: "fulcrum-table-v1")
            self.append(text: algorithm)
            self.append(text: hashKey.rawValue)
            self.append(UInt64(tableSize))
            self.append(UInt64(table.count))
            for member in 0..<table.count {
                self.append(text: table.members[member].key)
                self.append(UInt32(table.weights[member]))
            }
        }

        mutating func append(text: String) {
            self.bytes.append(contentsOf: text.utf8)
            self.bytes.append(0)
        }

        mutating func append<Value: FixedWidthInteger>(_ value: Value) {
            withUnsafeBytes(of: value.littleEndian) { self.bytes.append(contentsOf: $0) }
        }

        func digest() -> String {
            hexadecimal(XXHash64.hash(self.bytes))
        }
    }
}

/// `value` as 16 lowercase hex digits.
func hexadecimal(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
