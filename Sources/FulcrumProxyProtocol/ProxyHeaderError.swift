/// Why a PROXY protocol header was refused. Compare against the static members; `description` reads as a sentence
/// for logs.
public struct ProxyHeaderError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case notProxyProtocol
        case v1UnknownProtocol
        case v1MalformedLine
        case v1InvalidAddress
        case v1InvalidPort
        case v1BadLineEnding
        case v1LineTooLong
        case v2UnsupportedVersion
        case v2UnsupportedCommand
        case v2UnsupportedFamily
        case v2LengthTooLarge
        case v2LengthTooShort
        case v2MalformedTLV
        case v2ChecksumMismatch
    }

    private let code: Code

    private init(_ code: Code) {
        self.code = code
    }

    /// The first bytes are neither `PROXY ` (v1) nor the v2 signature.
    public static let notProxyProtocol = ProxyHeaderError(.notProxyProtocol)
    /// v1: the protocol is not `TCP4`, `TCP6` or `UNKNOWN`.
    public static let v1UnknownProtocol = ProxyHeaderError(.v1UnknownProtocol)
    /// v1: a missing or empty field, a field too many, or not exactly one space between fields.
    public static let v1MalformedLine = ProxyHeaderError(.v1MalformedLine)
    /// v1: an address that is not a valid literal of the announced family (`TCP4 999.1.1.1`, `TCP4 ::1`).
    public static let v1InvalidAddress = ProxyHeaderError(.v1InvalidAddress)
    /// v1: a port that is not a decimal 0...65535 without leading zeros.
    public static let v1InvalidPort = ProxyHeaderError(.v1InvalidPort)
    /// v1: a CR not followed by LF, or an LF without CR.
    public static let v1BadLineEnding = ProxyHeaderError(.v1BadLineEnding)
    /// v1: no CRLF within the first 107 bytes.
    public static let v1LineTooLong = ProxyHeaderError(.v1LineTooLong)
    /// v2: the version nibble is not 2.
    public static let v2UnsupportedVersion = ProxyHeaderError(.v2UnsupportedVersion)
    /// v2: the command is neither `LOCAL` (0) nor `PROXY` (1).
    public static let v2UnsupportedCommand = ProxyHeaderError(.v2UnsupportedCommand)
    /// v2: a `PROXY` header whose family/transport byte is not one the specification defines.
    public static let v2UnsupportedFamily = ProxyHeaderError(.v2UnsupportedFamily)
    /// v2: the length field exceeds the parser's bound.
    public static let v2LengthTooLarge = ProxyHeaderError(.v2LengthTooLarge)
    /// v2: the length field is shorter than the address block of the announced family.
    public static let v2LengthTooShort = ProxyHeaderError(.v2LengthTooShort)
    /// v2: the bytes after the addresses are not a sequence of whole TLVs, or a CRC32C TLV is not 4 bytes long or
    /// appears twice.
    public static let v2MalformedTLV = ProxyHeaderError(.v2MalformedTLV)
    /// v2: a CRC32C TLV does not match the header.
    public static let v2ChecksumMismatch = ProxyHeaderError(.v2ChecksumMismatch)

    /// The reason as a sentence, for logs.
    public var description: String {
        switch self.code {
        case .notProxyProtocol: return "the connection does not start with a PROXY protocol header"
        case .v1UnknownProtocol: return "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN"
        case .v1MalformedLine: return "PROXY v1 line does not have exactly the expected fields and single spaces"
        case .v1InvalidAddress: return "PROXY v1 address is not a valid literal of the announced family"
        case .v1InvalidPort: return "PROXY v1 port is not a decimal 0-65535 without leading zeros"
        case .v1BadLineEnding: return "PROXY v1 line ends with a lone CR or LF instead of CRLF"
        case .v1LineTooLong: return "PROXY v1 line has no CRLF within 107 bytes"
        case .v2UnsupportedVersion: return "PROXY v2 header has a version other than 2"
        case .v2UnsupportedCommand: return "PROXY v2 header has a command other than LOCAL or PROXY"
        case .v2UnsupportedFamily: return "PROXY v2 header has an undefined address family or transport"
        case .v2LengthTooLarge: return "PROXY v2 header is longer than allowed"
        case .v2LengthTooShort: return "PROXY v2 header is too short for the addresses of its family"
        case .v2MalformedTLV: return "PROXY v2 header has malformed TLVs after the addresses"
        case .v2ChecksumMismatch: return "PROXY v2 header fails its CRC32C checksum"
        }
    }
}
