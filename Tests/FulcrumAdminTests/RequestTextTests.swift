import Testing

@testable import FulcrumAdmin

@Suite("request text")
struct RequestTextTests {
    @Test("paths: percent-decoded segments, raw IPv6 addresses, unknown paths")
    func routes() {
        #expect(AdminRoute(path: "/") == .statusPage)
        #expect(AdminRoute(path: "/metrics") == .metrics)
        #expect(AdminRoute(path: "/api/v1/services/") == .services)
        #expect(AdminRoute(path: "/api/v1/services/web") == .service("web"))
        #expect(AdminRoute(path: "/api/v1/services/web/backends/%5B%3A%3A1%5D%3A9002")
            == .backend(service: "web", address: "[::1]:9002"))
        #expect(AdminRoute(path: "/api/v1/services/web/backends/[::1]:9002")
            == .backend(service: "web", address: "[::1]:9002"))
        #expect(AdminRoute(path: "/api/v1/services/web/route") == .route(service: "web"))
        #expect(AdminRoute(path: "/api/v1/services/web/backends/a/b") == nil)
        #expect(AdminRoute(path: "/api/v1/services/web/nope") == nil)
        #expect(AdminRoute(path: "/api/v1/services/%zz") == nil)
        #expect(AdminRoute(path: "/api/v2/services") == nil)
    }

    @Test("percent-decoding")
    func percentDecoding() {
        #expect(PercentDecoding.decode("a%20b%2Fc") == "a b/c")
        #expect(PercentDecoding.decode("%C3%A9") == "é")
        #expect(PercentDecoding.decode("plain") == "plain")
        #expect(PercentDecoding.decode("%4") == nil)
        #expect(PercentDecoding.decode("%C3") == nil)
    }

    @Test("durations as in the configuration file, up to an hour")
    func durations() throws {
        #expect(try DurationParameter.parse("250ms", name: "wait") == .milliseconds(250))
        #expect(try DurationParameter.parse("2s", name: "wait") == .seconds(2))
        #expect(try DurationParameter.parse("5m", name: "wait") == .seconds(300))
        #expect(try DurationParameter.parse("1h", name: "wait") == .seconds(3600))
        #expect(try DurationParameter.parse("0s", name: "wait") == .zero)
        for bad in ["", "5", "1.5s", "s", "-1s", "2 s", "3d", "61m", "3601s", "9999999999s", "9999999999999999h"] {
            #expect(throws: AdminRequestError.self, "\(bad)") { try DurationParameter.parse(bad, name: "wait") }
        }
    }

    @Test("a refused duration says why, with the configuration file's hints")
    func durationMessages() {
        func message(_ text: String) -> String? {
            do {
                _ = try DurationParameter.parse(text, name: "wait")
                return nil
            } catch {
                return error.message
            }
        }
        #expect(message("2h") == "'wait' must be at most 1h, found '2h'")
        #expect(message("1.5s") == "'wait' must be a whole number with a unit (ms, s, m or h) up to 1h such as 500ms, "
            + "2s or 5m, found '1.5s' (fractions are not allowed; write '1500ms')")
        #expect(message("30")?.hasSuffix("found '30' (add a unit, e.g. '30s')") == true)
    }
}
