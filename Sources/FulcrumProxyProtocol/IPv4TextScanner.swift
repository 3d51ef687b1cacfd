/// Recognizes a dotted-quad IPv4 literal one byte at a time, with the grammar `IPAddress` parses: exactly four
/// decimal octets 0...255, no leading zeros, nothing else.
///
/// `accept` answers `false` as soon as no continuation can form a valid literal, so a PROXY v1 line is refused at the
/// first byte that makes it impossible instead of after the CRLF.
struct IPv4TextScanner: Sendable {
    private var value: UInt32 = 0
    /// Octets completed by a dot.
    private var octets = 0
    private var octet: UInt32 = 0
    private var digits = 0
    private var leadingZero = false

    init() {}

    /// Continues an IPv6 literal's embedded IPv4 tail (`::ffff:1.2.3.4`), whose first octet was read as an IPv6
    /// field before its dot showed it to be decimal. `firstOctet` must already be valid (0...255).
    init(firstOctet: UInt32) {
        self.value = firstOctet
        self.octets = 1
    }

    /// Feeds one byte of the literal (never its terminator); `false` when no continuation can be valid.
    mutating func accept(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            // A leading zero is octal to inet_aton and decimal elsewhere; the PROXY specification forbids it.
            if self.leadingZero { return false }
            if self.digits == 0, byte == UInt8(ascii: "0") { self.leadingZero = true }
            self.octet = self.octet * 10 + UInt32(byte - UInt8(ascii: "0"))
            self.digits += 1
            return self.octet <= 255
        case UInt8(ascii: "."):
            guard self.digits > 0, self.octets < 3 else { return false }
            self.value = self.value << 8 | self.octet
            self.octets += 1
            self.octet = 0
            self.digits = 0
            self.leadingZero = false
            return true
        default:
            return false
        }
    }

    /// The address if the literal may end here, `nil` if it is incomplete.
    var finished: UInt32? {
        guard self.octets == 3, self.digits > 0 else { return nil }
        return self.value << 8 | self.octet
    }
}
