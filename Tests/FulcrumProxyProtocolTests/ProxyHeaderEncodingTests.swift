import FulcrumNet
import FulcrumProxyProtocol
import Testing

@Suite("ProxyHeader encoding")
struct ProxyHeaderEncodingTests {
    @Test("v1 lines, byte for byte")
    func v1() {
        let tcp4 = ProxyHeader.proxy(
            .v1,
            source: endpoint("192.168.0.1:56324"),
            destination: endpoint("192.168.0.11:443")
        )
        #expect(tcp4.encoded() == ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"))
        let tcp6 = ProxyHeader.proxy(.v1, source: endpoint("[2001:db8::1]:0"), destination: endpoint("[::1]:65535"))
        #expect(tcp6.encoded() == ascii("PROXY TCP6 2001:db8::1 ::1 0 65535\r\n"))
        let ports = ProxyHeader.proxy(.v1, source: endpoint("1.2.3.4:9"), destination: endpoint("5.6.7.8:10"))
        #expect(ports.encoded() == ascii("PROXY TCP4 1.2.3.4 5.6.7.8 9 10\r\n"))
        #expect(ProxyHeader.unknown(.v1).encoded() == ascii("PROXY UNKNOWN\r\n"))
        #expect(ProxyHeader.local(.v1).encoded() == ascii("PROXY UNKNOWN\r\n"))
        // v1 cannot say UDP.
        let udp = ProxyHeader.proxy(
            .v1,
            transport: .datagram,
            source: endpoint("1.2.3.4:1"),
            destination: endpoint("5.6.7.8:2")
        )
        #expect(udp.encoded() == ascii("PROXY UNKNOWN\r\n"))
    }

    @Test("The longest v1 line is 104 bytes")
    func longestV1() {
        let full = IPEndpoint(address: .v6(high: .max, low: .max), port: 65535)
        let bytes = ProxyHeader.proxy(.v1, source: full, destination: full).encoded()
        let text = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        #expect(bytes == ascii("PROXY TCP6 \(text) \(text) 65535 65535\r\n"))
        #expect(bytes.count == 104)
        #expect(bytes.count <= ProxyHeader.maximumEncodedLength)
    }

    @Test("v2 headers, byte for byte")
    func v2() {
        let tcp4 = ProxyHeader.proxy(.v2, source: endpoint("127.0.0.5:40000"), destination: endpoint("127.0.0.1:8080"))
        #expect(tcp4.encoded() == v2Signature + hex("21 11 000C  7F000005 7F000001 9C40 1F90"))
        let udp4 = ProxyHeader.proxy(
            .v2,
            transport: .datagram,
            source: endpoint("10.0.0.1:53"),
            destination: endpoint("10.0.0.2:5353")
        )
        #expect(udp4.encoded() == v2Signature + hex("21 12 000C  0A000001 0A000002 0035 14E9"))
        let tcp6 = ProxyHeader.proxy(.v2, source: endpoint("[2001:db8::1]:1"), destination: endpoint("[::1]:65535"))
        #expect(
            tcp6.encoded()
                == v2Signature
                + hex("21 21 0024  20010DB8000000000000000000000001 00000000000000000000000000000001 0001 FFFF")
        )
        let udp6 = ProxyHeader.proxy(
            .v2,
            transport: .datagram,
            source: endpoint("[fe80::1]:500"),
            destination: endpoint("[fe80::2]:4500")
        )
        #expect(
            udp6.encoded()
                == v2Signature
                + hex("21 22 0024  FE800000000000000000000000000001 FE800000000000000000000000000002 01F4 1194")
        )
        #expect(ProxyHeader.local().encoded() == v2Signature + hex("20 00 0000"))
        #expect(ProxyHeader.unknown(.v2).encoded() == v2Signature + hex("21 00 0000"))
        // Addresses without a transport are not claimed.
        let unspecified = ProxyHeader(
            version: .v2,
            command: .proxy,
            transport: .unspecified,
            source: tcp4.source,
            destination: tcp4.destination
        )
        #expect(unspecified.encoded() == v2Signature + hex("21 00 0000"))
        // One address missing means none are carried.
        let halfEmpty = ProxyHeader(
            version: .v2,
            command: .proxy,
            transport: .stream,
            source: tcp4.source,
            destination: nil
        )
        #expect(halfEmpty.encoded() == v2Signature + hex("21 00 0000"))
        // LOCAL never carries addresses, even if some were set.
        let local = ProxyHeader(
            version: .v2,
            command: .local,
            transport: .stream,
            source: tcp4.source,
            destination: tcp4.destination
        )
        #expect(local.encoded() == v2Signature + hex("20 00 0000"))
    }

    @Test("Mixed families: both IPv4 when both are IPv4 or mapped, otherwise both IPv6")
    func mixedFamilies() {
        let mappedClient = endpoint("[::ffff:192.0.2.7]:5000")
        let mappedListener = endpoint("[::ffff:10.0.0.1]:80")
        let plainListener = endpoint("10.0.0.1:80")
        let v6Listener = endpoint("[2001:db8::80]:80")

        #expect(
            ProxyHeader.proxy(.v1, source: mappedClient, destination: mappedListener).encoded()
                == ascii("PROXY TCP4 192.0.2.7 10.0.0.1 5000 80\r\n")
        )
        #expect(
            ProxyHeader.proxy(.v1, source: mappedClient, destination: plainListener).encoded()
                == ascii("PROXY TCP4 192.0.2.7 10.0.0.1 5000 80\r\n")
        )
        #expect(
            ProxyHeader.proxy(.v1, source: endpoint("192.0.2.7:5000"), destination: v6Listener).encoded()
                == ascii("PROXY TCP6 ::ffff:192.0.2.7 2001:db8::80 5000 80\r\n")
        )
        #expect(
            ProxyHeader.proxy(.v1, source: mappedClient, destination: v6Listener).encoded()
                == ascii("PROXY TCP6 ::ffff:192.0.2.7 2001:db8::80 5000 80\r\n")
        )
        #expect(
            ProxyHeader.proxy(.v2, source: mappedClient, destination: mappedListener).encoded()
                == v2Signature + hex("21 11 000C  C0000207 0A000001 1388 0050")
        )
        #expect(
            ProxyHeader.proxy(.v2, source: v6Listener, destination: plainListener).encoded()
                == v2Signature
                + hex("21 21 0024  20010DB8000000000000000000000080 00000000000000000000FFFF0A000001 0050 0050")
        )
    }

    @Test("encode(into:) writes into a caller's buffer and returns the length; encoded() agrees")
    func intoBuffer() {
        let header = ProxyHeader.proxy(.v1, source: endpoint("1.2.3.4:1"), destination: endpoint("5.6.7.8:2"))
        var buffer = [UInt8](repeating: 0xEE, count: 200)
        let written = buffer.withUnsafeMutableBytes { header.encode(into: $0) }
        #expect(written == header.encoded().count)
        #expect(Array(buffer[..<written]) == header.encoded())
        #expect(buffer[written...].allSatisfy { $0 == 0xEE })
        // A buffer of exactly maximumEncodedLength is enough for the longest header.
        let longest = ProxyHeader.proxy(
            .v1,
            source: IPEndpoint(address: .v6(high: .max, low: .max), port: 65535),
            destination: IPEndpoint(address: .v6(high: .max, low: .max), port: 65535)
        )
        var exact = [UInt8](repeating: 0, count: ProxyHeader.maximumEncodedLength)
        #expect(exact.withUnsafeMutableBytes { longest.encode(into: $0) } == 104)
    }
}
