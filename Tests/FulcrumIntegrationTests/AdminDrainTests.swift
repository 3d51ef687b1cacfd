import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// Draining and deleting backends through the admin API while connections are open (SPEC §3, §7).
@Suite("admin drain")
struct AdminDrainTests {
    @Test("draining: the open connection keeps working, new connections go elsewhere; ?wait says drained or not")
    func drainingKeepsOpenConnection() throws {
        let first = try LoopbackServer()
        let second = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, backends: [first.endpoint, second.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)

        let open = try TestSocket.connect(to: listener)
        try open.send("hello")
        #expect(try open.receive(exactly: 5) == Array("hello".utf8))
        // Which backend holds it: the one that has seen a connection.
        let (held, other) = first.connectionCount == 1 ? (first, second) : (second, first)
        #expect(held.connectionCount == 1 && other.connectionCount == 0)
        let path = "/api/v1/services/web/backends/\(AdminClient.encode(held.endpoint.description))"

        let drained = try admin.patch(path, #"{"state": "draining"}"#)
        #expect(drained.status == 200)
        #expect(drained.object?["state"] as? String == "draining")
        #expect(drained.object?["active_connections"] as? Int == 1)
        #expect(drained.object?["drained"] == nil, "no wait asked, no drained field")

        // New connections all go to the other backend.
        for _ in 0..<6 {
            let client = try TestSocket.connect(to: listener)
            try client.send("x")
            #expect(try client.receive(exactly: 1) == Array("x".utf8))
            client.close()
        }
        #expect(other.connectionCount == 6)
        #expect(held.connectionCount == 1)
        // The open connection is untouched, both ways.
        try open.send("still here")
        #expect(try open.receive(exactly: 10) == Array("still here".utf8))

        // Waiting while it is still open: the wait runs out.
        let timedOut = try admin.patch(path + "?wait=300ms", #"{"state": "draining"}"#)
        #expect(timedOut.status == 200)
        #expect(timedOut.object?["drained"] as? Bool == false)
        #expect(timedOut.object?["active_connections"] as? Int == 1)

        // Waiting while it closes: the reply comes when the last connection has ended.
        let closer = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            open.close()
        }
        closer.start()
        let waited = try admin.patch(path + "?wait=10s", #"{"state": "draining"}"#, timeout: .seconds(15))
        #expect(waited.status == 200)
        #expect(waited.object?["drained"] as? Bool == true)
        #expect(waited.object?["active_connections"] as? Int == 0)
        #expect(waited.object?["state"] as? String == "draining")

        // Enabled again, it takes new connections.
        #expect(try admin.patch(path, #"{"state": "enabled"}"#).status == 200)
        for _ in 0..<4 {
            let client = try TestSocket.connect(to: listener)
            try client.send("y")
            _ = try client.receive(exactly: 1)
            client.close()
        }
        #expect(held.connectionCount == 3)
        #expect(fixture.stop() == 0)
    }

    @Test("DELETE: listed as draining while its connection lasts, then gone; the connection finishes untouched")
    func deleteDrainsThenDisappears() throws {
        let first = try LoopbackServer()
        let second = try namedBackend("second")
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service("web", port: port, backends: [first.endpoint]))
        let admin = fixture.admin
        let listener = fixture.endpoint(port: port)

        let open = try TestSocket.connect(to: listener)
        try open.send("ping")
        #expect(try open.receive(exactly: 4) == Array("ping".utf8))
        #expect(try admin.post("/api/v1/services/web/backends", #"{"address": "\#(second.endpoint)"}"#).status == 201)

        let deleted = try admin.delete("/api/v1/services/web/backends/\(first.endpoint)")
        #expect(deleted.status == 202)
        #expect(deleted.object?["state"] as? String == "draining")
        #expect(deleted.object?["active_connections"] as? Int == 1)

        // Still listed, as draining, while the connection is open, after housekeeping (every 250 ms) had a few
        // chances to remove it wrongly. A negative check: a slow machine can only make it test less, never fail it.
        Thread.sleep(forTimeInterval: 1)
        let listed = try admin.backends(of: "web")
        let entry = listed.first { $0["address"] as? String == first.endpoint.description }
        #expect(entry?["state"] as? String == "draining")
        #expect(entry?["active_connections"] as? Int == 1)
        // New connections go to the other backend only.
        for _ in 0..<4 { #expect(try askBackendName(listener) == "second") }
        try open.send("pong")
        #expect(try open.receive(exactly: 4) == Array("pong".utf8))
        // Modifying a backend on its way out is refused.
        #expect(try admin.patch("/api/v1/services/web/backends/\(first.endpoint)", #"{"weight": 2}"#).status == 409)

        open.close()
        #expect(eventually(timeout: .seconds(10)) {
            let addresses = (try? admin.backends(of: "web"))?.compactMap { $0["address"] as? String }
            return addresses == [second.endpoint.description]
        })
        #expect(try admin.get("/api/v1/services/web/backends/\(first.endpoint)").status == 404)
        #expect(fixture.stop() == 0)
    }

    @Test("graceful shutdown: /healthz turns 503 at once, the API stays up while connections drain")
    func healthzDuringShutdown() throws {
        let backend = try LoopbackServer()
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, backends: [backend.endpoint]), grace: "20s")
        let admin = fixture.admin
        #expect(try admin.get("/healthz").status == 200)
        let open = try TestSocket.connect(to: fixture.endpoint(port: port))
        try open.send("a")
        _ = try open.receive(exactly: 1)
        fixture.fulcrum.signal(SIGTERM)
        #expect(eventually { (try? admin.get("/healthz"))?.status == 503 })
        let services = try admin.get("/api/v1/services/web")
        #expect(services.status == 200)
        #expect(services.object?["active_connections"] as? Int == 1)
        open.close()
        #expect(fixture.fulcrum.waitForExit(timeout: .seconds(10)) == 0)
    }
}
