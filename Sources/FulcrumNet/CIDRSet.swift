/// A set of prefixes answering "does any prefix contain this address?" in O(prefix length), whatever the number of
/// prefixes: a binary trie per family, stored in flat arrays (no per-node objects, so lookups take no reference counts).
///
/// Built once when configuration is applied, then read concurrently by every engine thread.
public struct CIDRSet: Sendable {
    /// Node `i` has children `zero[i]` and `one[i]` (0 = none; node 0 is the root) and `terminal[i]` set when a prefix
    /// ends there. Each family has its own trie so that an IPv4 address never walks IPv6 prefixes.
    private struct Trie: Sendable {
        var zero: [Int32] = [0]
        var one: [Int32] = [0]
        var terminal: [Bool] = [false]

        mutating func insert(_ address: IPAddress, length: Int) {
            var node = 0
            for bitIndex in 0..<length {
                let bit = CIDRSet.bit(address, bitIndex)
                let next = bit ? self.one[node] : self.zero[node]
                if next != 0 {
                    node = Int(next)
                } else {
                    self.zero.append(0)
                    self.one.append(0)
                    self.terminal.append(false)
                    let created = Int32(self.terminal.count - 1)
                    if bit { self.one[node] = created } else { self.zero[node] = created }
                    node = Int(created)
                }
                if self.terminal[node] { return }  // a shorter prefix already covers this one
            }
            self.terminal[node] = true
        }

        func contains(_ address: IPAddress, bits: Int) -> Bool {
            var node = 0
            if self.terminal[0] { return true }
            for bitIndex in 0..<bits {
                let next = CIDRSet.bit(address, bitIndex) ? self.one[node] : self.zero[node]
                if next == 0 { return false }
                node = Int(next)
                if self.terminal[node] { return true }
            }
            return false
        }
    }

    private var v4 = Trie()
    private var v6 = Trie()
    /// The prefixes as given, for display.
    public private(set) var prefixes: [CIDR] = []

    public init(_ prefixes: [CIDR] = []) {
        for prefix in prefixes { self.insert(prefix) }
    }

    public var isEmpty: Bool { self.prefixes.isEmpty }

    public mutating func insert(_ prefix: CIDR) {
        self.prefixes.append(prefix)
        let (network, length) = prefix.lookupForm
        if network.isIPv4 {
            self.v4.insert(network, length: length)
        } else {
            self.v6.insert(network, length: length)
        }
    }

    /// `true` when some prefix contains `address`, with the same meaning as `CIDR.contains` (IPv4-mapped IPv6
    /// addresses are looked up as IPv4; prefixes inside `::ffff:0:0/96` hold the IPv4 addresses they map).
    public func contains(_ address: IPAddress) -> Bool {
        let candidate = address.unmapped
        return candidate.isIPv4 ? self.v4.contains(candidate, bits: 32) : self.v6.contains(candidate, bits: 128)
    }

    @inline(__always)
    fileprivate static func bit(_ address: IPAddress, _ index: Int) -> Bool {
        switch address {
        case .v4(let value): return value >> (31 - index) & 1 == 1
        case .v6(let high, let low): return index < 64 ? high >> (63 - index) & 1 == 1 : low >> (127 - index) & 1 == 1
        }
    }
}
