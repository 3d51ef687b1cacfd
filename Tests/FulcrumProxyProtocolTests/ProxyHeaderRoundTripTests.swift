import FulcrumNet
import FulcrumTestSupport
import FulcrumProxyProtocol
import Testing

@Suite("ProxyHeader round trips")
struct ProxyHeaderRoundTripTests {
    /// The header the parser must return for `encode(header)`: unrepresentable parts dropped, families normalized as
    /// the encoder documents.
    static func expectedDecoding(of header: ProxyHeader) -> ProxyHeader {
        guard header.command == .proxy else {
            return header.version == .v1 ? .unknown(.v1) : .local(.v2)
        }
        guard header.carriesAddresses, let source = header.source, let destination = header.destination,
            header.version == .v2 || header.transport == .stream
        else { return .unknown(header.version) }
        var sourceAddress = source.address.unmapped
        var destinationAddress = destination.address.unmapped
        if !sourceAddress.isIPv4 || !destinationAddress.isIPv4 {
            sourceAddress = mapped(sourceAddress)
            destinationAddress = mapped(destinationAddress)
        }
        return .proxy(
            header.version,
            transport: header.transport,
            source: IPEndpoint(address: sourceAddress, port: source.port),
            destination: IPEndpoint(address: destinationAddress, port: destination.port)
        )
    }

    static func mapped(_ address: IPAddress) -> IPAddress {
        if case .v4(let value) = address { return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64(value)) }
        return address
    }

    static func randomAddress(using generator: inout SeededGenerator) -> IPAddress {
        switch UInt8.random(in: 0...5, using: &generator) {
        case 0, 1: return .v4(UInt32.random(in: .min ... .max, using: &generator))
        case 2: return .v6(high: 0, low: 0xFFFF_0000_0000 | UInt64.random(in: 0...0xFFFF_FFFF, using: &generator))
        case 3:
            // Sparse, so that "::" compression shows up in v1 lines.
            return .v6(
                high: UInt64.random(in: 0...0xFFFF, using: &generator) << 48,
                low: UInt64.random(in: 0...0xFFFF, using: &generator)
            )
        default:
            return .v6(
                high: UInt64.random(in: .min ... .max, using: &generator),
                low: UInt64.random(in: .min ... .max, using: &generator)
            )
        }
    }

    static func randomHeader(using generator: inout SeededGenerator) -> ProxyHeader {
        let version: ProxyHeader.Version = Bool.random(using: &generator) ? .v1 : .v2
        let command: ProxyHeader.Command = UInt8.random(in: 0...9, using: &generator) == 0 ? .local : .proxy
        let transport: ProxyHeader.Transport = [.stream, .stream, .datagram, .unspecified].randomElement(
            using: &generator
        )!
        let source = IPEndpoint(
            address: randomAddress(using: &generator),
            port: UInt16.random(in: 0...UInt16.max, using: &generator)
        )
        let destination = IPEndpoint(
            address: randomAddress(using: &generator),
            port: UInt16.random(in: 0...UInt16.max, using: &generator)
        )
        return ProxyHeader(
            version: version,
            command: command,
            transport: transport,
            source: source,
            destination: destination
        )
    }

    @Test("encode then parse gives the header back (normalized), in one piece and in random pieces")
    func randomRoundTrips() {
        var generator = SeededGenerator(seed: 0x7007_0001)
        for _ in 0..<20_000 {
            let header = Self.randomHeader(using: &generator)
            let bytes = header.encoded()
            let expected = Outcome.complete(Self.expectedDecoding(of: header), length: bytes.count)
            #expect(outcome(of: bytes + [0x42]) == expected, "\(header)")
            let cuts = (0..<Int.random(in: 0...4, using: &generator)).map { _ in
                Int.random(in: 0...bytes.count, using: &generator)
            }.sorted()
            #expect(outcome(of: bytes, cuts: cuts) == expected, "\(header) cut at \(cuts)")
        }
    }

    @Test("Decoded headers encode to bytes that decode to the same header")
    func decodeEncodeDecode() {
        for (bytes, _) in ProxyHeaderParserV2Tests.valid {
            guard case .complete(let header, _) = outcome(of: bytes) else {
                Issue.record("\(bytes) did not decode")
                continue
            }
            let again = header.encoded()
            #expect(outcome(of: again) == .complete(header, length: again.count))
        }
        for (line, _) in ProxyHeaderParserV1Tests.valid {
            guard case .complete(let header, _) = outcome(of: ascii(line)) else {
                Issue.record("\(line) did not decode")
                continue
            }
            let again = header.encoded()
            #expect(outcome(of: again) == .complete(Self.expectedDecoding(of: header), length: again.count))
        }
    }
}
