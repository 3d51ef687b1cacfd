import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// `HEAD` on the admin server (SPEC §8.5): every `GET` endpoint answers it with the status and headers of the `GET`,
/// Content-Length included, and sends no body.
@Suite("admin HEAD")
struct AdminHeadTests {
    @Test("HEAD = GET without the body: pages, probes, metrics, the API, a 404 and a 405")
    func headMirrorsGet() throws {
        let backend = try LoopbackServer()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: freeLoopbackPort(), backends: [backend.endpoint]))
        let admin = fixture.admin

        // These answers do not change between two requests, so HEAD's Content-Length must be the GET body's.
        for (path, status) in [
            ("/", 200), ("/healthz", 200), ("/api/v1/services", 200), ("/api/v1/services/web", 200),
            ("/api/v1/services/web/backends", 200), ("/api/v1/services/nope", 404), ("/api/v2/things", 404),
        ] {
            let get = try admin.get(path)
            let head = try admin.head(path)
            #expect(get.status == status, "GET \(path)")
            #expect(head.status == status, "HEAD \(path)")
            #expect(head.body.isEmpty, "HEAD \(path) sent \(head.body.count) body bytes")
            #expect(!get.body.isEmpty, "GET \(path)")
            #expect(head.headers["content-length"] == String(get.body.count), "HEAD \(path)")
            #expect(Self.withoutDate(head.headers) == Self.withoutDate(get.headers), "HEAD \(path)")
        }

        // /metrics: its figures (CPU time, memory) move between two requests, and with them the body's length.
        let metrics = try admin.head("/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.isEmpty)
        #expect(metrics.headers["content-type"] == (try admin.get("/metrics")).headers["content-type"])
        #expect((metrics.headers["content-length"].flatMap { Int($0) } ?? 0) > 100)

        // A POST-only path: 405 naming the allowed method, no body. A GET path lists HEAD as allowed.
        let reload = try admin.head("/api/v1/reload")
        #expect(reload.status == 405)
        #expect(reload.headers["allow"] == "POST")
        #expect(reload.body.isEmpty)
        #expect((reload.headers["content-length"].flatMap { Int($0) } ?? 0) > 0)
        #expect(try admin.request("PUT", "/healthz").headers["allow"] == "GET, HEAD")
        #expect(try admin.request("PUT", "/api/v1/services/web/backends").headers["allow"] == "GET, HEAD, POST")
        #expect(fixture.stop() == 0)
    }

    private static func withoutDate(_ headers: [String: String]) -> [String: String] {
        headers.filter { $0.key != "date" }
    }
}
