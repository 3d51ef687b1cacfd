/// Responses written byte by byte from RFC 1035 §4.1, as a recursive server would send them, with the offsets that
/// compression pointers refer to. Shared by the parsing, interpretation and randomized tests.
enum DNSResponseSamples {
    /// `db.internal A`, ID 0x1234: two addresses, the owner names compressed to the question's name.
    static let twoAddresses = hex(
        """
        1234 8180 0001 0002 0000 0000
        02 6462 08 696E7465726E616C 00  0001 0001
        C00C 0001 0001 0000003C 0004 0A000001
        C00C 0001 0001 0000001E 0004 0A000002
        """
    )
    // ID; QR=1 RD=1 RA=1 NOERROR; QD=1 AN=2 NS=0 AR=0
    // offset 12: db.internal, A, IN
    // answer: pointer to 12, A, IN, TTL 60, RDLENGTH 4, 10.0.0.1
    // answer: pointer to 12, A, IN, TTL 30, RDLENGTH 4, 10.0.0.2

    /// `db.internal AAAA`, ID 0xBEEF, with an OPT record (UDP payload 1232, extended RCODE 0) in the additional
    /// section.
    static let oneIPv6Address = hex(
        """
        BEEF 8580 0001 0001 0000 0001
        02 6462 08 696E7465726E616C 00  001C 0001
        C00C 001C 0001 0000012C 0010 20010DB8000000000000000000000001
        00 0029 04D0 00000000 0000
        """
    )
    // ID; QR=1 AA=1 RD=1 RA=1 NOERROR; QD=1 AN=1 NS=0 AR=1
    // offset 12: db.internal, AAAA, IN
    // answer: pointer to 12, AAAA, IN, TTL 300, RDLENGTH 16, 2001:db8::1
    // OPT: root, type 41, payload 1232, TTL 0, no options

    /// `_pg._tcp.db.internal SRV`, ID 0x0042: two services whose targets point into the middle of the question's
    /// name (offset 21, `db.internal`), and their addresses as glue in the additional section, pointing at the
    /// targets inside the SRV records' data (offsets 56 and 80).
    static let servicesWithGlue = hex(
        """
        0042 8180 0001 0002 0000 0003
        03 5F7067 04 5F746370 02 6462 08 696E7465726E616C 00  0021 0001
        C00C 0021 0001 00000078 000C 000A 003C 1538  03 706731 C015
        C00C 0021 0001 00000078 000C 000A 0028 1538  03 706732 C015
        C038 0001 0001 0000003C 0004 0A00000B
        C050 001C 0001 0000012C 0010 FD000000000000000000000000000012
        00 0029 04D0 00000000 0000
        """
    )
    // ID; QR=1 RD=1 RA=1 NOERROR; QD=1 AN=2 NS=0 AR=3
    // offset 12: _pg (12) _tcp (16) db (21) internal (24) root (33), SRV, IN
    // offset 38: pointer to 12, SRV, IN, TTL 120, RDLENGTH 12: priority 10, weight 60, port 5432,
    //            offset 56: "pg1" then pointer to 21 -> pg1.db.internal
    // offset 62: the same with weight 40, offset 80: "pg2" then pointer to 21 -> pg2.db.internal
    // offset 86: pointer to 56 (pg1.db.internal), A, IN, TTL 60, 10.0.0.11
    // offset 102: pointer to 80 (pg2.db.internal), AAAA, IN, TTL 300, fd00::12
    // offset 130: OPT

    /// `www.example.com A`, ID 0x7777: www.example.com → web.example.com → lb.example.net → 192.0.2.10.
    static let aliasChain = hex(
        """
        7777 8180 0001 0003 0000 0000
        03 777777 07 6578616D706C65 03 636F6D 00  0001 0001
        C00C 0005 0001 0000012C 0006  03 776562 C010
        C02D 0005 0001 00000078 0010  02 6C62 07 6578616D706C65 03 6E6574 00
        C03F 0001 0001 0000003C 0004 C000020A
        """
    )
    // offset 12: www (12) example (16) com (24) root (28), A, IN
    // offset 33: pointer to 12, CNAME, IN, TTL 300, RDLENGTH 6, offset 45: "web" then pointer to 16 (example.com)
    // offset 51: pointer to 45 (web.example.com), CNAME, IN, TTL 120, RDLENGTH 16, offset 63: lb.example.net
    // offset 79: pointer to 63 (lb.example.net), A, IN, TTL 60, 192.0.2.10

    /// `nope.example.com A`, ID 0x0BAD: NXDOMAIN with the zone's SOA in the authority section.
    static let nameErrorWithSOA = hex(
        """
        0BAD 8183 0001 0000 0001 0000
        04 6E6F7065 07 6578616D706C65 03 636F6D 00  0001 0001
        C011 0006 0001 00000E10 0027
          03 6E7331 C011
          0A 686F73746D6173746572 C011
          78A34D75 00001C20 00000E10 00127500 0000012C
        """
    )
    // ID; QR=1 RD=1 RA=1 RCODE=3 NXDOMAIN; QD=1 AN=0 NS=1 AR=0
    // offset 12: nope (12) example (17) com (25) root (29), A, IN
    // offset 34: pointer to 17 (example.com), SOA, IN, TTL 3600, RDLENGTH 39:
    //   MNAME ns1.example.com, RNAME hostmaster.example.com, SERIAL 2023968117, REFRESH 7200, RETRY 3600,
    //   EXPIRE 1209600, MINIMUM 300 -> negative TTL min(3600, 300) = 300

    /// `db.internal A`, ID 0x1234, TC set: the answer did not fit.
    static let truncated = hex(
        """
        1234 8380 0001 0000 0000 0000
        02 6462 08 696E7465726E616C 00  0001 0001
        """
    )
    // flags: QR=1 TC=1 RD=1 RA=1 NOERROR

    /// `db.internal A`, ID 0x1234, with the given 4-bit response code and nothing else.
    static func failure(responseCode: UInt8) -> [UInt8] {
        hex("1234") + [0x81, 0x80 | responseCode] + hex("0001 0000 0000 0000  02 6462 08 696E7465726E616C 00 0001 0001")
    }

    static let all = [twoAddresses, oneIPv6Address, servicesWithGlue, aliasChain, nameErrorWithSOA, truncated]
}
