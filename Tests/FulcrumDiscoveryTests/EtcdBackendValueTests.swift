import FulcrumNet
import Testing

@testable import FulcrumDiscovery

@Suite struct EtcdBackendValueTests {
    private func parse(_ text: String) -> Result<EtcdBackendValue, EtcdValueRejection> {
        EtcdBackendValue.parse(Array(text.utf8))
    }

    private func reason(_ text: String) -> String? {
        guard case .failure(let rejection) = self.parse(text) else { return nil }
        return rejection.reason
    }

    @Test func addressTextIsTheValueTrimmed() throws {
        let ipv4 = try self.parse("127.0.0.1:9001").get()
        #expect(
            ipv4
                == EtcdBackendValue(
                    address: "127.0.0.1:9001",
                    target: .literal(IPEndpoint("127.0.0.1:9001")!),
                    weight: 1
                )
        )
        let ipv6 = try self.parse("  [::1]:9002\n").get()
        #expect(ipv6.address == "[::1]:9002")
        #expect(ipv6.target == .literal(IPEndpoint("[::1]:9002")!))
        let host = try self.parse("db1.internal:5432").get()
        #expect(host.target == .hostname(host: "db1.internal", port: 5432))
    }

    @Test func aJSONObjectGivesAddressAndWeight() throws {
        let weighted = try self.parse(#"{"address": " 127.0.0.1:9001 ", "weight": 5}"#).get()
        #expect(weighted.address == "127.0.0.1:9001")
        #expect(weighted.weight == 5)
        #expect(try self.parse(#"{"address": "[::1]:9002"}"#).get().weight == 1)
        #expect(try self.parse(#"{"weight": 0, "address": "h:1"}"#).get().weight == 0)
        #expect(try self.parse(#"{"address": "h:1", "weight": 10000}"#).get().weight == 10000)
    }

    @Test func badAddressTextIsRefusedWithTheParsersReason() {
        #expect(self.reason("127.0.0.1") == "'127.0.0.1' is not an address (missing ':PORT')")
        #expect(self.reason("::1:80")?.contains("brackets") == true)
        #expect(self.reason("127.0.0.1:0") == "'127.0.0.1:0' is not an address (the port must be 1 to 65535)")
        #expect(self.reason("not an address") != nil)
        #expect(self.reason("[1.2.3.4]:80") != nil)
    }

    @Test func badJSONIsRefusedSayingWhy() {
        #expect(
            self.reason(#"{"address": "h:1", "wieght": 2}"#) == "unknown field 'wieght' (only 'address' and 'weight')"
        )
        #expect(self.reason(#"{"weight": 2}"#) == "the JSON object has no 'address'")
        #expect(self.reason(#"{"address": 80}"#) == "'address' must be a string")
        #expect(self.reason(#"{"address": "h:1", "weight": 1.5}"#) == "'weight' must be a whole number 0...10000")
        #expect(self.reason(#"{"address": "h:1", "weight": "3"}"#) == "'weight' must be a whole number 0...10000")
        #expect(self.reason(#"{"address": "h:1", "weight": true}"#) == "'weight' must be a whole number 0...10000")
        #expect(self.reason(#"{"address": "h:1", "weight": 10001}"#) == "weight 10001 is outside 0...10000")
        #expect(self.reason(#"{"address": "h:1", "weight": -1}"#) == "weight -1 is outside 0...10000")
        #expect(self.reason(#"{"address": "#) == "the value is not a JSON object")
        #expect(self.reason(#"{"address": "h"}"#) == "'h' is not an address (missing ':PORT')")
    }

    @Test func emptyAndNonTextValuesAreRefused() {
        #expect(self.reason("") == "the value is empty")
        #expect(self.reason(" \n") == "the value is empty")
        guard case .failure(let rejection) = EtcdBackendValue.parse([0x31, 0xff, 0x3a]) else {
            Issue.record("bytes that are not UTF-8 were accepted")
            return
        }
        #expect(rejection.reason == "the value is not UTF-8 text")
    }

    @Test func aHostNameIsResolvedAndAFailedLookupRefusesTheValue() async throws {
        let lookup = HostNameLookup { host, port in
            host == "db1"
                ? .success(IPEndpoint(address: .v4(0x0A00_0001), port: port))
                : .failure(HostNameLookupFailure(reason: "Name or service not known"))
        }
        let resolved = try await EtcdBackendValue.backend(from: Array("db1:5432".utf8), using: lookup).get()
        #expect(resolved == DiscoveredBackend(address: "db1:5432", endpoint: IPEndpoint("10.0.0.1:5432")!))
        let failed = await EtcdBackendValue.backend(from: Array("db2:5432".utf8), using: lookup)
        #expect(failed == .failure(EtcdValueRejection("host name 'db2' does not resolve (Name or service not known)")))
    }

    @Test func theSystemLookupResolvesLocalhost() async throws {
        let endpoint = try await HostNameLookup.system.resolve("localhost", 80).get()
        #expect(endpoint == IPEndpoint("127.0.0.1:80"))
    }
}
