import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// The admin JSON API of a real `fulcrum run` (SPEC §3, §7): every endpoint, its status codes and its fields.
@Suite("admin API")
struct AdminAPITests {
    @Test("reads: service list and object fields, healthz, unknown paths and services, wrong methods")
    func reads() throws {
        let backend = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [backend.endpoint]))
        let admin = fixture.admin

        let healthz = try admin.get("/healthz")
        #expect(healthz.status == 200)
        #expect(healthz.text.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")

        let list = try admin.get("/api/v1/services")
        #expect(list.status == 200)
        #expect(list.headers["content-type"]?.hasPrefix("application/json") == true)
        let services = try #require(list.object?["services"] as? [[String: Any]])
        #expect(services.count == 1)
        let service = try #require(services.first)
        for field in ["name", "protocol", "listen", "balance", "active_connections", "total_connections", "rejected",
            "backends"]
        {
            #expect(service[field] != nil, "service field \(field)")
        }
        #expect(service["name"] as? String == "web")
        #expect(service["protocol"] as? String == "tcp")
        #expect(service["listen"] as? [String] == ["127.0.0.1:\(port)"])
        #expect(service["balance"] as? String == "round_robin")
        #expect(service["table_fingerprint"] == nil, "only hash services have a fingerprint")
        let rejected = try #require(service["rejected"] as? [String: Int])
        #expect(Set(rejected.keys) == ["max_connections", "max_connections_per_source", "acl", "no_backend",
            "proxy_protocol"])
        let backendObject = try #require((service["backends"] as? [[String: Any]])?.first)
        #expect(backendObject["address"] as? String == backend.endpoint.description)
        #expect(backendObject["weight"] as? Int == 1)
        #expect(backendObject["state"] as? String == "enabled")
        #expect(backendObject["health"] as? String == "unchecked")
        for field in ["active_connections", "total_connections", "bytes_in", "bytes_out", "connect_failures"] {
            #expect(backendObject[field] as? Int == 0, "backend field \(field)")
        }

        // The service object itself, not wrapped.
        let one = try admin.get("/api/v1/services/web")
        #expect(one.status == 200)
        #expect(one.object?["name"] as? String == "web")

        let unknownService = try admin.get("/api/v1/services/nope")
        #expect(unknownService.status == 404)
        #expect(unknownService.error?.contains("nope") == true)
        let unknownPath = try admin.get("/api/v2/things")
        #expect(unknownPath.status == 404)
        #expect(unknownPath.error != nil)
        let unknownBackend = try admin.patch("/api/v1/services/web/backends/10.9.9.9:1", #"{"weight": 2}"#)
        #expect(unknownBackend.status == 404)
        #expect(unknownBackend.error != nil)

        let wrongMethod = try admin.request("PUT", "/api/v1/services")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "GET, HEAD")
        #expect(wrongMethod.error != nil)
        #expect(try admin.request("DELETE", "/metrics").status == 405)
        #expect(try admin.request("GET", "/api/v1/reload").status == 405)
        #expect(fixture.stop() == 0)
    }

    @Test("POST adds a backend that receives connections; PATCH changes it; DELETE drains it away")
    func backendLifecycle() throws {
        let first = try namedBackend("1")
        let second = try namedBackend("2")
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [first.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)

        let added = try admin.post(
            "/api/v1/services/web/backends", #"{"address": "\#(second.endpoint)", "weight": 3}"#)
        #expect(added.status == 201, "\(added.text)")
        #expect(added.object?["address"] as? String == second.endpoint.description)
        #expect(added.object?["weight"] as? Int == 3)
        #expect(added.object?["state"] as? String == "enabled")
        #expect(try admin.backends(of: "web").count == 2)
        // Round robin with weights 1 and 3: the new backend takes 3 of every 4 connections.
        var answers: [String] = []
        for _ in 0..<8 { answers.append(try askBackendName(listener)) }
        #expect(answers.filter { $0 == "2" }.count == 6, "\(answers)")

        let duplicate = try admin.post("/api/v1/services/web/backends", #"{"address": "\#(second.endpoint)"}"#)
        #expect(duplicate.status == 409)
        #expect(duplicate.error != nil)
        let unknownService = try admin.post("/api/v1/services/nope/backends", #"{"address": "127.0.0.1:9"}"#)
        #expect(unknownService.status == 404)

        let path = "/api/v1/services/web/backends/\(AdminClient.encode(second.endpoint.description))"
        let patched = try admin.patch(path, #"{"weight": 0}"#)
        #expect(patched.status == 200)
        #expect(patched.object?["weight"] as? Int == 0)
        // Weight 0: no new connections.
        for _ in 0..<4 { #expect(try askBackendName(listener) == "1") }
        let enabled = try admin.patch(path, #"{"weight": 1, "state": "enabled"}"#)
        #expect(enabled.status == 200)
        #expect(enabled.object?["state"] as? String == "enabled")

        let deleted = try admin.delete(path)
        #expect(deleted.status == 202)
        #expect(deleted.object?["state"] as? String == "draining")
        #expect(deleted.object?["address"] as? String == second.endpoint.description)
        // No connection is open on it, so it leaves the list at once (at the next housekeeping pass).
        #expect(eventually(timeout: .seconds(10)) { (try? admin.backends(of: "web").count) == 1 })
        for _ in 0..<4 { #expect(try askBackendName(listener) == "1") }
        #expect(try admin.delete(path).status == 404)
        #expect(fixture.stop() == 0)
    }

    @Test("an IPv6 backend: POSTed as [::1]:PORT, addressed in paths percent-encoded or raw")
    func ipv6Backend() throws {
        let first = try namedBackend("v4")
        let second = try namedBackend("v6", address: .v6(high: 0, low: 1))
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [first.endpoint]))
        let admin = fixture.admin
        let address = "[::1]:\(second.endpoint.port)"
        let added = try admin.post("/api/v1/services/web/backends", #"{"address": "\#(address)", "weight": 2}"#)
        #expect(added.status == 201, "\(added.text)")
        #expect(added.object?["address"] as? String == address)
        let encoded = "/api/v1/services/web/backends/%5B%3A%3A1%5D%3A\(second.endpoint.port)"
        let raw = "/api/v1/services/web/backends/\(address)"
        #expect(try admin.get(encoded).object?["weight"] as? Int == 2)
        #expect(try admin.get(raw).object?["address"] as? String == address)
        var answers: [String] = []
        for _ in 0..<6 { answers.append(try askBackendName(fixture.endpoint(port: port))) }
        #expect(answers.filter { $0 == "v6" }.count == 4, "\(answers)")
        #expect(try admin.patch(encoded, #"{"weight": 5}"#).object?["weight"] as? Int == 5)
        #expect(try admin.patch(raw, #"{"state": "draining"}"#).object?["state"] as? String == "draining")
        #expect(try admin.delete(encoded).status == 202)
        #expect(eventually { (try? admin.backends(of: "web").count) == 1 })
        #expect(fixture.stop() == 0)
    }

    @Test("malformed bodies and values are 400 with a JSON error")
    func badRequests() throws {
        let backend = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [backend.endpoint]))
        let admin = fixture.admin
        let backends = "/api/v1/services/web/backends"
        let path = "\(backends)/\(AdminClient.encode(backend.endpoint.description))"
        let cases: [(method: String, path: String, body: String?)] = [
            ("POST", backends, nil),
            ("POST", backends, "{"),
            ("POST", backends, "[]"),
            ("POST", backends, #"{"weight": 2}"#),
            ("POST", backends, #"{"address": 5}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "colour": "red"}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "weight": 10001}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "weight": -1}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "weight": "3"}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "weight": 1.5}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "weight": true}"#),
            ("POST", backends, #"{"address": "127.0.0.1:7001", "weight": null}"#),
            ("POST", backends, String(repeating: "[", count: 20_000)),
            ("POST", backends, #"{"address": "127.0.0.1"}"#),
            ("POST", backends, #"{"address": "::1:80"}"#),
            ("POST", backends, #"{"address": "999.1.1.1:80"}"#),
            ("PATCH", path, "{}"),
            ("PATCH", path, #"{"state": "paused"}"#),
            ("PATCH", path, #"{"weight": 20000}"#),
            ("PATCH", path, #"{"address": "127.0.0.1:1"}"#),
            ("PATCH", path + "?wait=2s", #"{"weight": 2}"#),
            ("PATCH", path + "?wait=2s", #"{"state": "enabled"}"#),
            ("PATCH", path + "?wait=soon", #"{"state": "draining"}"#),
            ("PATCH", path + "?wait=1.5s", #"{"state": "draining"}"#),
            ("POST", "/api/v1/reload?dry_run=maybe", nil),
        ]
        for request in cases {
            let reply = try admin.request(request.method, request.path, body: request.body)
            #expect(reply.status == 400, "\(request.method) \(request.path) \(request.body ?? "") -> \(reply.status)")
            #expect(reply.error?.isEmpty == false, "\(request.method) \(request.path) \(request.body ?? "")")
        }
        // Nothing of the above changed the backend.
        let backendObject = try #require(try admin.backends(of: "web").first)
        #expect(backendObject["weight"] as? Int == 1)
        #expect(backendObject["state"] as? String == "enabled")
        #expect(try admin.backends(of: "web").count == 1)
        #expect(fixture.stop() == 0)
    }

    @Test("with token_file, mutating requests need the bearer token; reads stay open")
    func tokenRules() throws {
        let backend = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, backends: [backend.endpoint]), token: "s3cret-token")
        var admin = fixture.admin
        #expect(try admin.get("/api/v1/services").status == 200)
        #expect(try admin.get("/metrics").status == 200)
        #expect(try admin.get("/").status == 200)

        let body = #"{"address": "127.0.0.1:7002"}"#
        let anonymous = try admin.post("/api/v1/services/web/backends", body)
        #expect(anonymous.status == 401)
        #expect(anonymous.error != nil)
        #expect(try admin.post("/api/v1/reload").status == 401)
        #expect(try admin.post("/api/v1/reload?dry_run=true").status == 401)
        let path = "/api/v1/services/web/backends/\(AdminClient.encode(backend.endpoint.description))"
        #expect(try admin.patch(path, #"{"weight": 2}"#).status == 401)
        #expect(try admin.delete(path).status == 401)
        // A wrong token, another scheme, an empty one.
        for header in ["Bearer s3cret-tokeN", "Basic czNjcmV0LXRva2Vu", "Bearer ", "s3cret-token"] {
            let reply = try admin.request(
                "POST", "/api/v1/services/web/backends", body: body, headers: [("Authorization", header)])
            #expect(reply.status == 401, "\(header)")
        }
        #expect(try admin.backends(of: "web").count == 1)

        admin.token = "s3cret-token"
        #expect(try admin.post("/api/v1/services/web/backends", body).status == 201)
        #expect(try admin.patch(path, #"{"weight": 2}"#).status == 200)
        #expect(try admin.post("/api/v1/reload?dry_run=true").status == 200)
        // The scheme is case-insensitive (RFC 7235).
        let lowercase = try fixture.admin.request(
            "DELETE", path, headers: [("Authorization", "bearer s3cret-token")])
        #expect(lowercase.status == 202)
        #expect(fixture.stop() == 0)
    }

    @Test("route: maglev answers are stable and match where connections from that client really go")
    func routeMatchesMaglev() throws {
        let names = ["a", "b", "c"]
        let backends = try names.map { try namedBackend($0) }
        let port = freeLoopbackPort()
        let emptyPort = freeLoopbackPort()
        let services = AdminFixture.service("web", port: port, balance: "maglev", backends: backends.map(\.endpoint))
            + AdminFixture.service("empty", port: emptyPort, backends: [])
        let fixture = try AdminFixture(services: services)
        let admin = fixture.admin
        let nameOf = Dictionary(uniqueKeysWithValues: zip(backends.map(\.endpoint.description), names))
        var seen = Set<String>()
        for last in 2..<14 {
            let source = IPAddress.v4(0x7F00_0000 | UInt32(last))
            let reply = try admin.get("/api/v1/services/web/route?client=127.0.0.\(last)")
            #expect(reply.status == 200, "\(reply.text)")
            let object = try #require(reply.object)
            #expect(object["service"] as? String == "web")
            #expect(object["client"] as? String == "127.0.0.\(last):0")
            #expect((object["reason"] as? String)?.isEmpty == false)
            let backend = try #require(object["backend"] as? String)
            // Stable: asked again, with a port, the same backend (hash_key source_ip).
            let again = try admin.get("/api/v1/services/web/route?client=127.0.0.\(last):4321")
            #expect(again.object?["backend"] as? String == backend)
            #expect(again.object?["client"] as? String == "127.0.0.\(last):4321")
            // Where a real connection from that client goes.
            for _ in 0..<2 {
                #expect(try askBackendName(fixture.endpoint(port: port), from: source) == nameOf[backend])
            }
            seen.insert(backend)
        }
        #expect(seen.count >= 2, "twelve clients should not all hash to one of three backends")

        let service = try #require(try admin.service("web"))
        let fingerprint = try #require(service["table_fingerprint"] as? String)
        #expect(fingerprint.count == 16 && fingerprint.allSatisfy(\.isHexDigit))

        let v6 = try admin.get("/api/v1/services/web/route?client=%5B%3A%3A1%5D%3A5000")
        #expect(v6.status == 200)
        #expect(v6.object?["client"] as? String == "[::1]:5000")
        #expect(try admin.get("/api/v1/services/web/route?client=[::1]").object?["client"] as? String == "[::1]:0")

        #expect(try admin.get("/api/v1/services/web/route").status == 400)
        #expect(try admin.get("/api/v1/services/web/route?client=").status == 400)
        #expect(try admin.get("/api/v1/services/web/route?client=not-an-ip").status == 400)
        #expect(try admin.get("/api/v1/services/web/route?client=10.0.0.1:99999").status == 400)
        #expect(try admin.get("/api/v1/services/nope/route?client=10.0.0.1").status == 404)
        let none = try admin.get("/api/v1/services/empty/route?client=10.0.0.1")
        #expect(none.status == 503)
        #expect(none.error != nil)
        #expect(fixture.stop() == 0)
    }

    @Test("reload: dry run reports changes and flows moved without applying; reload applies and undoes API changes")
    func reloadAndDryRun() throws {
        let backends = try (0..<3).map { try namedBackend("\($0)") }
        let port = freeLoopbackPort()
        let all = AdminFixture.service("web", port: port, balance: "maglev", backends: backends.map(\.endpoint))
        let fixture = try AdminFixture(services: all)
        let admin = fixture.admin
        let path = "/api/v1/services/web/backends/\(AdminClient.encode(backends[0].endpoint.description))"
        #expect(try admin.patch(path, #"{"weight": 7}"#).status == 200)
        let fingerprintBefore = try #require(try admin.service("web")?["table_fingerprint"] as? String)

        let unchanged = try admin.post("/api/v1/reload?dry_run=true")
        #expect(unchanged.status == 200)
        #expect(unchanged.object?["dry_run"] as? Bool == true)
        #expect((unchanged.object?["changes"] as? [String])?.isEmpty == true)
        #expect((unchanged.object?["flows_moved"] as? [String: Double])?.isEmpty == true)

        // Remove one backend of three from the file.
        try fixture.rewrite(services: AdminFixture.service(
            "web", port: port, balance: "maglev", backends: backends.dropLast().map(\.endpoint)))
        let dryRun = try admin.post("/api/v1/reload?dry_run=true")
        #expect(dryRun.status == 200, "\(dryRun.text)")
        let changes = try #require(dryRun.object?["changes"] as? [String])
        let removed = backends[2].endpoint.description
        #expect(changes.contains { $0.hasPrefix("web:") && $0.contains(removed) }, "\(changes)")
        let moved = try #require((dryRun.object?["flows_moved"] as? [String: Double])?["web"])
        #expect(moved > 0.2 && moved < 0.45, "about a third of the flows move: \(moved)")
        // Not applied.
        #expect(try admin.backends(of: "web").count == 3)
        #expect(try admin.service("web")?["table_fingerprint"] as? String == fingerprintBefore)

        let reload = try admin.post("/api/v1/reload")
        #expect(reload.status == 200, "\(reload.text)")
        #expect(reload.object?["reloaded"] as? Bool == true)
        #expect((reload.object?["changes"] as? [String])?.isEmpty == false)
        #expect(eventually { (try? admin.backends(of: "web").count) == 2 })
        // The file's weight is back: runtime changes last until the next reload.
        let first = try admin.backends(of: "web").first { $0["address"] as? String == backends[0].endpoint.description }
        #expect(first?["weight"] as? Int == 1)
        #expect(try admin.service("web")?["table_fingerprint"] as? String != fingerprintBefore)

        // An invalid file: 400 with positioned errors, nothing changes.
        try fixture.folder.write("fulcrum.yaml", "services:\n  web:\n    listen: nowhere\n")
        for query in ["", "?dry_run=true"] {
            let invalid = try admin.post("/api/v1/reload\(query)")
            #expect(invalid.status == 400)
            #expect(invalid.error != nil)
            let errors = try #require(invalid.object?["errors"] as? [String])
            #expect(errors.contains { $0.hasPrefix(fixture.configPath + ":3:") }, "\(errors)")
        }
        #expect(try admin.backends(of: "web").count == 2)
        #expect(try askBackendName(fixture.endpoint(port: port)).isEmpty == false)
        #expect(fixture.stop() == 0)
    }

    @Test("an admin address already in use: exit 1 naming it")
    func adminPortInUse() throws {
        let blocker = try LoopbackServer()
        let folder = try TemporaryFolder()
        let port = freeLoopbackPort()
        let yaml = "admin:\n  listen: 127.0.0.1:\(blocker.endpoint.port)\nservices:\n"
            + AdminFixture.service("web", port: port, backends: [blocker.endpoint])
        let path = try folder.write("f.yaml", yaml)
        let result = try FulcrumProcess.run(["run", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("127.0.0.1:\(blocker.endpoint.port)"), "\(result.stderr)")
        #expect(result.stderr.contains("in use"), "\(result.stderr)")
    }
}
