import FulcrumDNS
import Testing

@Suite("DNSName")
struct DNSNameTests {
    @Test(
        "Valid names from text",
        arguments: [
            ("db.internal", "db.internal", 13),
            ("db.internal.", "db.internal", 13),
            ("_pg._tcp.db.internal", "_pg._tcp.db.internal", 22),
            ("localhost", "localhost", 11),
            ("a-b_c.0-9", "a-b_c.0-9", 11),
            (".", ".", 1),
            ("MiXeD.Case", "MiXeD.Case", 12),
        ]
    )
    func validNames(text: String, description: String, wireLength: Int) throws {
        let parsed = try DNSName(text)
        #expect(parsed.description == description)
        #expect(parsed.wireLength == wireLength)
    }

    @Test(
        "Invalid names from text give a typed error",
        arguments: [
            ("", DNSNameError.empty),
            ("a..b", .emptyLabel),
            (".a", .emptyLabel),
            ("..", .emptyLabel),
            ("a.b..", .emptyLabel),
            ("a b", .invalidCharacter),
            ("a/b", .invalidCharacter),
            ("é.example", .invalidCharacter),
            ("a\u{0}b", .invalidCharacter),
            ("*.example", .invalidCharacter),
            (String(repeating: "x", count: 64) + ".example", .labelTooLong),
        ]
    )
    func invalidNames(text: String, error: DNSNameError) {
        #expect(throws: error) { try DNSName(text) }
    }

    @Test("Labels of 63 bytes and names of 255 bytes are the limits")
    func limits() throws {
        let label63 = String(repeating: "a", count: 63)
        #expect(try DNSName(label63).wireLength == 65)
        // 3 × (1 + 63) + (1 + 61) + 1 = 255.
        let longest = [label63, label63, label63, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(try DNSName(longest).wireLength == 255)
        #expect(try DNSName(longest + ".").wireLength == 255)
        #expect(throws: DNSNameError.nameTooLong) { try DNSName(longest + "b") }
        #expect(throws: DNSNameError.nameTooLong) { try DNSName(longest + ".c") }
    }

    @Test("Equality and hashing ignore ASCII case (RFC 4343)")
    func caseInsensitive() throws {
        let lower = try DNSName("db.internal")
        let upper = try DNSName("DB.Internal.")
        #expect(lower == upper)
        #expect(Set([lower, upper]).count == 1)
        #expect(upper.description == "DB.Internal")
        #expect(try DNSName("db.internal") != DNSName("db.interna1"))
        #expect(try DNSName("db.internal") != DNSName("db.internal.x"))
        #expect(try DNSName("a.b") != DNSName("ab"))
    }

    @Test("isWithin: the name itself and its ancestors, by whole labels, ignoring case")
    func isWithin() throws {
        let host = try DNSName("pg1.DB.internal")
        #expect(host.isWithin(try DNSName("db.internal")))
        #expect(host.isWithin(try DNSName("INTERNAL")))
        #expect(host.isWithin(host))
        #expect(host.isWithin(.root))
        #expect(!host.isWithin(try DNSName("b.internal")))
        #expect(!host.isWithin(try DNSName("g1.db.internal")))
        #expect(!host.isWithin(try DNSName("x.pg1.db.internal")))
        #expect(!DNSName.root.isWithin(try DNSName("internal")))
        #expect(host.labelCount == 3)
        #expect(DNSName.root.labelCount == 0)
    }
}
