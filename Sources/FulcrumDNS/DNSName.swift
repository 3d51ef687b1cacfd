/// A domain name as DNS carries it: a sequence of labels, held in uncompressed wire form (each label's length byte,
/// its bytes, and the final zero byte of the root).
///
/// Equality and hashing ignore ASCII case (RFC 4343 §3: `DB.Internal` and `db.internal` are the same name), while
/// `description` keeps the case the name was written or received in. Names from the wire may hold any byte in a
/// label; names from text (`init(_:)`) only letters, digits, `-` and `_`.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The longest name on the wire, length bytes and the final zero included (RFC 1035 §2.3.4).
    public static let maximumWireLength = 255
    /// The longest label (RFC 1035 §2.3.4); length bytes 64...255 mean pointers or other label types instead.
    public static let maximumLabelLength = 63

    /// The name `.`.
    public static let root = DNSName(wire: [0])

    /// Uncompressed wire form. Callers inside the module guarantee it is well formed: labels of 1...63 bytes, one
    /// final zero, at most 255 bytes in all.
    let wire: [UInt8]

    init(wire: [UInt8]) {
        self.wire = wire
    }

    /// The name from its text form, such as `db.internal`, `db.internal.` or `_pg._tcp.db.internal`. A final dot
    /// is optional (every name is taken as fully qualified; no search list is applied here); `.` alone is the root.
    /// Labels are 1...63 letters, digits, `-` or `_`; at most 255 bytes on the wire.
    public init(_ text: some StringProtocol) throws(DNSNameError) {
        var utf8 = Array(text.utf8)
        if utf8.isEmpty { throw .empty }
        if utf8 == [UInt8(ascii: ".")] {
            self = .root
            return
        }
        if utf8.last == UInt8(ascii: ".") { utf8.removeLast() }
        var wire: [UInt8] = []
        wire.reserveCapacity(utf8.count + 2)
        var labelStart = 0
        for index in 0...utf8.count {
            if index < utf8.count, utf8[index] != UInt8(ascii: ".") {
                guard DNSName.isAllowedInText(utf8[index]) else { throw .invalidCharacter }
                continue
            }
            let length = index - labelStart
            if length == 0 { throw .emptyLabel }
            if length > DNSName.maximumLabelLength { throw .labelTooLong }
            wire.append(UInt8(length))
            wire.append(contentsOf: utf8[labelStart..<index])
            labelStart = index + 1
        }
        wire.append(0)
        if wire.count > DNSName.maximumWireLength { throw .nameTooLong }
        self.wire = wire
    }

    /// Bytes on the wire, uncompressed: 1 for the root, up to 255.
    public var wireLength: Int { self.wire.count }

    /// Number of labels; 0 for the root.
    public var labelCount: Int {
        var count = 0
        var index = 0
        while self.wire[index] != 0 {
            count += 1
            index += 1 + Int(self.wire[index])
        }
        return count
    }

    /// `true` when this name is `ancestor` or lies below it (`a.b.example` is within `example` and within itself),
    /// ignoring case. A zone's SOA record is owned by a name every name of the zone is within.
    public func isWithin(_ ancestor: DNSName) -> Bool {
        var index = 0
        while self.wire.count - index > ancestor.wire.count {
            index += 1 + Int(self.wire[index])
        }
        guard self.wire.count - index == ancestor.wire.count else { return false }
        return DNSName.equalIgnoringCase(self.wire[index...], ancestor.wire[...])
    }

    /// The name in text, without a final dot (`.` for the root), labels in the case they were received. Dots and
    /// backslashes inside a label are escaped with a backslash, and bytes other than printable ASCII as `\DDD`
    /// (RFC 1035 §5.1), so the text is unambiguous in logs.
    public var description: String {
        if self.wire.count == 1 { return "." }
        var text: [UInt8] = []
        text.reserveCapacity(self.wire.count)
        var index = 0
        while self.wire[index] != 0 {
            if index > 0 { text.append(UInt8(ascii: ".")) }
            let length = Int(self.wire[index])
            for byte in self.wire[(index + 1)..<(index + 1 + length)] {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"):
                    text.append(UInt8(ascii: "\\"))
                    text.append(byte)
                case 0x21...0x7E:
                    text.append(byte)
                default:
                    text.append(UInt8(ascii: "\\"))
                    text.append(UInt8(ascii: "0") + byte / 100)
                    text.append(UInt8(ascii: "0") + byte / 10 % 10)
                    text.append(UInt8(ascii: "0") + byte % 10)
                }
            }
            index += 1 + length
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Same labels, ignoring ASCII case (RFC 4343 §3).
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        lhs.wire.count == rhs.wire.count && DNSName.equalIgnoringCase(lhs.wire[...], rhs.wire[...])
    }

    public func hash(into hasher: inout Hasher) {
        for byte in self.wire { hasher.combine(DNSName.lowercased(byte)) }
    }

    /// Compares two runs of wire bytes ignoring ASCII case. Length bytes are at most 63, below every letter, so
    /// folding them is harmless and the same loop serves whole names.
    private static func equalIgnoringCase(_ lhs: ArraySlice<UInt8>, _ rhs: ArraySlice<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { DNSName.lowercased($0) == DNSName.lowercased($1) }
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// Host names (RFC 1123 §2.1) plus `_`, which SRV owner names use (`_pg._tcp`, RFC 2782).
    private static func isAllowedInText(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
