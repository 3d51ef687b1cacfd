/// What an OPT pseudo-record says about its message (RFC 6891 §6.1.3). Its options (RDATA) are not kept: nothing
/// Fulcrum asks for needs one.
public struct EDNSParameters: Hashable, Sendable {
    /// The largest UDP payload the sender can receive (the OPT record's CLASS field).
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit response code (the top byte of the OPT record's TTL field).
    public var extendedResponseCode: UInt8
    /// The EDNS version; 0 is the only one defined.
    public var version: UInt8
    /// DO: the sender understands DNSSEC records.
    public var isDNSSECOK: Bool

    public init(udpPayloadSize: UInt16, extendedResponseCode: UInt8 = 0, version: UInt8 = 0, isDNSSECOK: Bool = false) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedResponseCode = extendedResponseCode
        self.version = version
        self.isDNSSECOK = isDNSSECOK
    }

    /// From the OPT record's CLASS and TTL fields as they are on the wire.
    init(classField: UInt16, ttlField: UInt32) {
        self.init(
            udpPayloadSize: classField,
            extendedResponseCode: UInt8(truncatingIfNeeded: ttlField >> 24),
            version: UInt8(truncatingIfNeeded: ttlField >> 16),
            isDNSSECOK: ttlField & 0x8000 != 0
        )
    }

    /// The OPT record's TTL field as it goes on the wire (the Z bits other than DO are zero).
    var ttlField: UInt32 {
        UInt32(self.extendedResponseCode) << 24 | UInt32(self.version) << 16 | (self.isDNSSECOK ? 0x8000 : 0)
    }
}
