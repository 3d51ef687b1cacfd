import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// The status page (`GET /`) in a real browser: headless Chromium loads it against a running Fulcrum with traffic.
@Suite("admin status page")
struct AdminStatusPageTests {
    @Test("the page is self-contained HTML that refreshes itself from the JSON API")
    func servedPage() throws {
        let backend = try LoopbackServer()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: freeLoopbackPort(), backends: [backend.endpoint]))
        let page = try fixture.admin.get("/")
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        let html = page.text
        #expect(html.contains("/api/v1/services"))
        // Offline: nothing is loaded from another host.
        for external in ["http://", "https://", "//cdn", "fonts.googleapis"] {
            #expect(!html.contains("src=\"\(external)"), "\(external)")
            #expect(!html.contains("href=\"\(external)"), "\(external)")
        }
        #expect(!html.contains("@import"))
        #expect(fixture.stop() == 0)
    }

    @Test(
        "Chromium renders services, backends, states and live numbers that change between two loads",
        .enabled(if: ExternalTools.chromium != nil, "needs a headless Chromium (Debian: apt-get install chromium)")
    )
    func rendersInChromium() throws {
        let chromium = try #require(ExternalTools.chromium)
        let backends = try [LoopbackServer(), LoopbackServer()]
        let dead = IPEndpoint(address: AdminFixture.localhost, port: freeLoopbackPort())
        let webPort = freeLoopbackPort()
        let checks = "    health_check:\n      interval: 300ms\n      timeout: 2s\n      rise: 1\n      fall: 1\n"
        let services = AdminFixture.service(
            "web", port: webPort, backends: backends.map(\.endpoint) + [dead], extra: checks)
            + AdminFixture.service(
                "cache", port: freeLoopbackPort(), balance: "maglev", backends: [backends[0].endpoint])
        let fixture = try AdminFixture(services: services)
        let admin = fixture.admin
        #expect(eventually(timeout: .seconds(10)) {
            let health = (try? admin.backends(of: "web"))?.map { $0["health"] as? String ?? "" }
            return health == ["up", "up", "down"]
        })
        try Self.traffic(to: fixture.endpoint(port: webPort), connections: 6)

        let first = try Self.dumpDOM(chromium: chromium, port: fixture.adminPort)
        #expect(first.contains("data-service=\"web\""), "\(first.prefix(2000))")
        #expect(first.contains("data-service=\"cache\""))
        for backend in backends.map(\.endpoint) + [dead] {
            #expect(first.contains("data-backend=\"\(backend)\""), "\(backend)")
        }
        #expect(first.contains("maglev"))
        #expect(first.contains("round_robin"))
        #expect(first.contains("127.0.0.1:\(webPort)"), "listen address")
        #expect(first.contains("class=\"pill down\""), "the dead backend shows as down")
        #expect(first.contains("class=\"pill up\""))
        let totalsBefore = Self.totals(in: first)
        #expect(totalsBefore[backends[0].endpoint.description] != nil)
        #expect(totalsBefore.values.reduce(0, +) == 6, "\(totalsBefore)")

        try Self.traffic(to: fixture.endpoint(port: webPort), connections: 8)
        let second = try Self.dumpDOM(chromium: chromium, port: fixture.adminPort)
        let totalsAfter = Self.totals(in: second)
        let webBefore = Self.webTotal(in: first)
        let webAfter = Self.webTotal(in: second)
        #expect(webBefore == 6, "\(totalsBefore)")
        #expect(webAfter == 14, "\(totalsAfter)")
        #expect(totalsAfter.values.reduce(0, +) == 14, "the backend rows changed too: \(totalsAfter)")

        // A picture, as people see it (docs/status-page.png was taken the same way, after minutes of traffic).
        let folder = try TemporaryFolder()
        let shot = folder.url.appendingPathComponent("status-page.png").path
        let result = try ToolRun.run(chromium, Self.flags + [
            "--virtual-time-budget=4000", "--window-size=1280,900", "--screenshot=\(shot)",
            "http://127.0.0.1:\(fixture.adminPort)/",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        // IHDR: width and height, big-endian, at bytes 16...23.
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1280 && height == 900)
        #expect(fixture.stop() == 0)
    }

    static let flags = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--mute-audio",
        "--no-first-run", "--disable-extensions", "--disable-dev-shm-usage"]

    /// Loads the page and returns the DOM after a few virtual seconds (several refreshes).
    static func dumpDOM(chromium: String, port: UInt16) throws -> String {
        let result = try ToolRun.run(chromium, Self.flags + [
            "--virtual-time-budget=3000", "--dump-dom", "http://127.0.0.1:\(port)/",
        ])
        guard result.status == 0 else { throw AdminTestError( "chromium failed: \(result.stderr)") }
        return result.stdout
    }

    static func traffic(to endpoint: IPEndpoint, connections: Int) throws {
        for index in 0..<connections {
            let client = try TestSocket.connect(to: endpoint)
            try client.send("request \(index)")
            _ = try client.receive(until: "request \(index)")
            client.close()
        }
    }

    /// `data-backend` → `data-total` of every backend row.
    static func totals(in dom: String) -> [String: Int] {
        var totals: [String: Int] = [:]
        let pattern = try! NSRegularExpression(pattern: #"data-backend="([^"]+)" data-total="(\d+)""#)
        for match in pattern.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
            let address = String(dom[Range(match.range(at: 1), in: dom)!])
            let total = Int(dom[Range(match.range(at: 2), in: dom)!]) ?? 0
            totals[address, default: 0] += total
        }
        return totals
    }

    /// The `total` figure of the web service's card.
    static func webTotal(in dom: String) -> Int? {
        guard let card = dom.range(of: "data-service=\"web\"") else { return nil }
        let rest = dom[card.upperBound...]
        guard let figure = rest.range(of: #"class="svc-total" data-value="(\d+)""#, options: .regularExpression)
        else { return nil }
        return Int(rest[figure].split(separator: "\"")[3])
    }
}
