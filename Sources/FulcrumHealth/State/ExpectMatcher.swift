/// Accumulates a check's reply until it contains `expected` (SPEC §7: at most 16 KiB are read, then the check
/// fails). The search is incremental: each append only looks at the new bytes and the `expected.count - 1` before
/// them, so a reply in many small segments costs no more than one in a single segment.
public struct ExpectMatcher: Sendable, Hashable {
    /// SPEC §7: 16 KiB.
    public static let defaultLimit = 16 * 1024

    public enum Outcome: Sendable, Hashable {
        /// The accumulated bytes contain `expected`.
        case matched
        /// Not yet; read more.
        case needMore
        /// `limit` bytes arrived without `expected`: the reply is wrong.
        case limitReached
    }

    public let expected: [UInt8]
    public let limit: Int
    /// The reply so far (at most `limit` bytes).
    public private(set) var received: [UInt8] = []
    private var matched = false

    public init(expected: [UInt8], limit: Int = ExpectMatcher.defaultLimit) {
        precondition(limit >= expected.count, "the limit must leave room for the expected bytes")
        self.expected = expected
        self.limit = limit
        self.matched = expected.isEmpty
    }

    /// Where things stand without new bytes.
    public var outcome: Outcome {
        if self.matched { return .matched }
        return self.received.count >= self.limit ? .limitReached : .needMore
    }

    /// Adds the next bytes of the reply (bytes beyond `limit` are dropped) and says where things stand.
    public mutating func append(_ bytes: some Collection<UInt8>) -> Outcome {
        guard !self.matched, self.received.count < self.limit else { return self.outcome }
        let searchStart = max(0, self.received.count - (self.expected.count - 1))
        self.received.append(contentsOf: bytes.prefix(self.limit - self.received.count))
        self.matched = Self.contains(self.received, self.expected, from: searchStart)
        return self.outcome
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8], from start: Int) -> Bool {
        guard haystack.count - start >= needle.count else { return false }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return true
            }
            index += 1
        }
        return false
    }
}
