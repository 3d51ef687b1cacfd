import FulcrumNet

extension ProxyHeader {
    /// A buffer of this many bytes holds any header `encode(into:)` writes (the longest v1 line a receiver must
    /// accept; the longest this encoder writes is 104 bytes, a `TCP6` line with two full addresses).
    public static let maximumEncodedLength = ProxyProtocolWire.v1MaximumLength

    /// Writes the header at the start of `buffer` and returns its length. Allocates nothing; `buffer` must hold at
    /// least `ProxyHeader.maximumEncodedLength` bytes.
    ///
    /// What goes on the wire:
    /// - v1: `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n` for a stream header with addresses; `PROXY UNKNOWN\r\n` for
    ///   everything v1 cannot express (LOCAL, no addresses, datagrams).
    /// - v2: the signature, 0x21 (PROXY) with family 0x11/0x12/0x21/0x22 and the 12- or 36-byte address block, no
    ///   TLVs; 0x21 with 0x00 and length 0 for a PROXY header without addresses or transport; 0x20 0x00 length 0
    ///   for LOCAL.
    /// - Both addresses must share a family on the wire. When both are IPv4 or IPv4-mapped IPv6 (a dual-stack
    ///   listener sees IPv4 clients as `::ffff:a.b.c.d`), both go as IPv4, the same normalization ACLs and hashing
    ///   apply; otherwise both go as IPv6, an IPv4 one as its mapped form.
    public func encode(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(
            buffer.count >= ProxyHeader.maximumEncodedLength,
            "ProxyHeader.encode needs a buffer of at least \(ProxyHeader.maximumEncodedLength) bytes"
        )
        var writer = WireWriter(buffer)
        switch self.version {
        case .v1: self.encodeV1(into: &writer)
        case .v2: self.encodeV2(into: &writer)
        }
        return writer.count
    }

    /// The header's bytes, as `encode(into:)` writes them.
    public func encoded() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: ProxyHeader.maximumEncodedLength) { buffer, initializedCount in
            initializedCount = self.encode(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Source and destination as they go on the wire: both IPv4 when both are IPv4 or IPv4-mapped, otherwise both
    /// IPv6. `nil` when the header carries no addresses.
    var wireEndpoints: (source: IPEndpoint, destination: IPEndpoint)? {
        guard self.carriesAddresses, let source = self.source, let destination = self.destination else { return nil }
        var sourceAddress = source.address.unmapped
        var destinationAddress = destination.address.unmapped
        if !sourceAddress.isIPv4 || !destinationAddress.isIPv4 {
            sourceAddress = sourceAddress.mappedToIPv6
            destinationAddress = destinationAddress.mappedToIPv6
        }
        return (
            IPEndpoint(address: sourceAddress, port: source.port),
            IPEndpoint(address: destinationAddress, port: destination.port)
        )
    }

    private func encodeV1(into writer: inout WireWriter) {
        writer.write(ProxyProtocolWire.v1Prefix)
        guard self.transport == .stream, let (source, destination) = self.wireEndpoints else {
            writer.write("UNKNOWN\r\n")
            return
        }
        writer.write(source.address.isIPv4 ? "TCP4 " : "TCP6 ")
        writer.writeText(source.address)
        writer.write(UInt8(ascii: " "))
        writer.writeText(destination.address)
        writer.write(UInt8(ascii: " "))
        writer.writeDecimal(source.port)
        writer.write(UInt8(ascii: " "))
        writer.writeDecimal(destination.port)
        writer.write("\r\n")
    }

    private func encodeV2(into writer: inout WireWriter) {
        writer.write(ProxyProtocolWire.v2Signature)
        guard self.command == .proxy else {
            writer.write(ProxyProtocolWire.v2VersionCommandLocal)
            writer.write(ProxyProtocolWire.v2FamilyUnspecified)
            writer.writeBigEndian(0)
            return
        }
        writer.write(ProxyProtocolWire.v2VersionCommandProxy)
        guard let (source, destination) = self.wireEndpoints else {
            writer.write(ProxyProtocolWire.v2FamilyUnspecified)
            writer.writeBigEndian(0)
            return
        }
        let isIPv4 = source.address.isIPv4
        let family: UInt8 =
            switch (isIPv4, self.transport == .datagram) {
            case (true, false): ProxyProtocolWire.v2FamilyTCP4
            case (true, true): ProxyProtocolWire.v2FamilyUDP4
            case (false, false): ProxyProtocolWire.v2FamilyTCP6
            case (false, true): ProxyProtocolWire.v2FamilyUDP6
            }
        writer.write(family)
        writer.writeBigEndian(
            UInt16(isIPv4 ? ProxyProtocolWire.v2AddressLengthIPv4 : ProxyProtocolWire.v2AddressLengthIPv6)
        )
        writer.writeNetworkBytes(source.address)
        writer.writeNetworkBytes(destination.address)
        writer.writeBigEndian(source.port)
        writer.writeBigEndian(destination.port)
    }
}

extension IPAddress {
    /// IPv4 as its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`); IPv6 unchanged.
    var mappedToIPv6: IPAddress {
        switch self {
        case .v4(let value): return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64(value))
        case .v6: return self
        }
    }
}
