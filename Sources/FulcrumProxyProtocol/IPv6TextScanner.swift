import FulcrumNet

/// Recognizes an IPv6 literal one byte at a time, with the grammar `IPAddress` parses: up to eight groups of one to
/// four hex digits, at most one `::`, optionally an IPv4 dotted quad in the last 32 bits, no zone.
///
/// `accept` answers `false` at the first byte after which no continuation can be valid (a ninth group, a second
/// `::`, `:::`, a fifth hex digit...). Groups before and after `::` are gathered in two 128-bit accumulators, so
/// nothing is stored per byte.
struct IPv6TextScanner: Sendable {
    /// Groups before `::` (all of them when there is none), most significant first.
    private var head: UInt128 = 0
    private var headCount = 0
    /// Groups after `::`.
    private var tail: UInt128 = 0
    private var tailCount = 0
    private var compressed = false
    /// The field being read: its value as hex, and as decimal in case a dot turns it into an IPv4 octet.
    private var field: UInt16 = 0
    private var fieldDecimal: UInt32 = 0
    private var fieldDigits = 0
    private var fieldIsDecimal = true
    private var fieldLeadingZero = false
    /// Colons just read: 0, 1 (one separator) or 2 (`::`).
    private var colons = 0
    /// The literal began with a single `:`, which only a second `:` may follow.
    private var leadingColon = false
    private var started = false
    private var ipv4Tail: IPv4TextScanner?

    init() {}

    private var groupCount: Int { self.headCount + self.tailCount }
    /// Without `::` a literal has exactly eight groups; with it, at most seven (it stands for at least one).
    private var groupLimit: Int { self.compressed ? 7 : 8 }

    /// Feeds one byte of the literal (never its terminator); `false` when no continuation can be valid.
    mutating func accept(_ byte: UInt8) -> Bool {
        if var ipv4 = self.ipv4Tail {
            let accepted = ipv4.accept(byte)
            self.ipv4Tail = ipv4
            return accepted
        }
        let starting = !self.started
        self.started = true
        if byte == UInt8(ascii: ":") {
            return self.acceptColon(starting: starting)
        }
        if byte == UInt8(ascii: ".") {
            return self.acceptDot()
        }
        guard let nibble = HexDigit.value(byte), !self.leadingColon else { return false }
        if self.fieldDigits == 0 {
            guard self.groupCount + 1 <= self.groupLimit else { return false }
            self.fieldLeadingZero = nibble == 0
        }
        guard self.fieldDigits < 4 else { return false }
        self.field = self.field << 4 | UInt16(nibble)
        if nibble < 10 {
            self.fieldDecimal = self.fieldDecimal * 10 + UInt32(nibble)
        } else {
            self.fieldIsDecimal = false
        }
        self.fieldDigits += 1
        self.colons = 0
        return true
    }

    private mutating func acceptColon(starting: Bool) -> Bool {
        if self.fieldDigits > 0 {
            self.appendGroup(self.field)
            self.colons = 1
            // A single colon needs another group after it (or, without `::` yet, may become `::`).
            return self.compressed ? self.groupCount + 1 <= 7 : self.groupCount <= 7
        }
        if starting {
            self.leadingColon = true
            self.colons = 1
            return true
        }
        guard self.colons == 1, !self.compressed else { return false }
        self.compressed = true
        self.leadingColon = false
        self.colons = 2
        return true
    }

    private mutating func acceptDot() -> Bool {
        guard self.fieldDigits > 0, self.fieldIsDecimal, self.fieldDecimal <= 255,
            !(self.fieldLeadingZero && self.fieldDigits > 1)
        else { return false }
        // The dotted quad is the last 32 bits: two groups, and nothing may follow it.
        guard self.compressed ? self.groupCount + 2 <= 7 : self.groupCount == 6 else { return false }
        self.ipv4Tail = IPv4TextScanner(firstOctet: self.fieldDecimal)
        return true
    }

    private mutating func appendGroup(_ group: UInt16) {
        if self.compressed {
            self.tail = self.tail << 16 | UInt128(group)
            self.tailCount += 1
        } else {
            self.head = self.head << 16 | UInt128(group)
            self.headCount += 1
        }
        self.field = 0
        self.fieldDecimal = 0
        self.fieldDigits = 0
        self.fieldIsDecimal = true
        self.fieldLeadingZero = false
    }

    /// The address if the literal may end here, `nil` if it is incomplete.
    var finished: IPAddress? {
        var complete = self
        if let ipv4 = self.ipv4Tail {
            guard let value = ipv4.finished else { return nil }
            complete.appendGroup(UInt16(truncatingIfNeeded: value >> 16))
            complete.appendGroup(UInt16(truncatingIfNeeded: value))
        } else if self.fieldDigits > 0 {
            complete.appendGroup(self.field)
        } else {
            // Only `::` may end a literal without a group; an empty literal or a single `:` may not.
            guard self.colons == 2 else { return nil }
        }
        let count = complete.groupCount
        guard complete.compressed ? count <= 7 : count == 8 else { return nil }
        let bits =
            complete.compressed ? complete.head << (16 * (8 - complete.headCount)) | complete.tail : complete.head
        return .v6(high: UInt64(truncatingIfNeeded: bits >> 64), low: UInt64(truncatingIfNeeded: bits))
    }
}
