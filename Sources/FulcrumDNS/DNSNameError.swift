/// Why a text name cannot be asked about. Compare against the static members; `description` reads as a sentence for
/// logs and configuration errors.
public struct DNSNameError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case empty
        case emptyLabel
        case labelTooLong
        case nameTooLong
        case invalidCharacter
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// The text is empty.
    public static let empty = DNSNameError(.empty)
    /// Two dots in a row, or a leading dot (`a..b`, `.a`).
    public static let emptyLabel = DNSNameError(.emptyLabel)
    /// A label longer than 63 bytes (RFC 1035 §2.3.4).
    public static let labelTooLong = DNSNameError(.labelTooLong)
    /// More than 255 bytes on the wire (RFC 1035 §2.3.4), length bytes and the final zero included.
    public static let nameTooLong = DNSNameError(.nameTooLong)
    /// A character other than an ASCII letter, digit, `-` or `_`.
    public static let invalidCharacter = DNSNameError(.invalidCharacter)

    public var description: String {
        switch self.code {
        case .empty: return "the DNS name is empty"
        case .emptyLabel: return "the DNS name has an empty label (two dots in a row or a leading dot)"
        case .labelTooLong: return "a label of the DNS name is longer than 63 bytes"
        case .nameTooLong: return "the DNS name is longer than 255 bytes on the wire"
        case .invalidCharacter: return "the DNS name has a character other than a letter, digit, '-' or '_'"
        }
    }
}
