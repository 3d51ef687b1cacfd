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

    @Test("durations as in the configuration file")
    func durations() {
        #expect(DurationParameter.parse("250ms") == .milliseconds(250))
        #expect(DurationParameter.parse("2s") == .seconds(2))
        #expect(DurationParameter.parse("5m") == .seconds(300))
        #expect(DurationParameter.parse("1h") == .seconds(3600))
        #expect(DurationParameter.parse("0s") == .zero)
        for bad in ["", "5", "1.5s", "s", "-1s", "2 s", "3d", "9999999999s"] {
            #expect(DurationParameter.parse(bad) == nil, "\(bad)")
        }
    }
}
