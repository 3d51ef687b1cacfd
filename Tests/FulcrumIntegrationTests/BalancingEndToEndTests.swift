import FulcrumNet
import FulcrumTestSupport
import Foundation
import Testing

/// The balancing algorithms of a real `fulcrum run` with real clients from distinct loopback addresses (issue 3,
/// SPEC §2.1, §3 `table_fingerprint` and `route`, §1 `fulcrum diff`).
@Suite("balancing end to end")
struct BalancingEndToEndTests {
    static let names = ["a", "b", "c"]

    @Test("each client address sticks to one backend over many connections; addresses spread over every backend",
        arguments: ["source_hash", "maglev"])
    func clientsStick(balance: String) throws {
        let backends = try Self.names.map { try namedBackend($0) }
        let nameOf = Dictionary(uniqueKeysWithValues: zip(backends.map(\.endpoint.description), Self.names))
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, balance: balance, backends: backends.map(\.endpoint)))
        let listener = fixture.endpoint(port: port)
        var clientsPerBackend: [String: Int] = [:]
        for index in 0..<40 {
            let source = EndToEnd.client(index)
            var answers: [String] = []
            for _ in 0..<6 { answers.append(try askBackendName(listener, from: source)) }
            #expect(Set(answers).count == 1, "client \(source) went to \(answers)")
            // The route the admin API names is where the connections really went.
            let route = try fixture.admin.get("/api/v1/services/web/route?client=\(source)")
            #expect(nameOf[route.object?["backend"] as? String ?? ""] == answers[0], "client \(source): \(route.text)")
            clientsPerBackend[answers[0], default: 0] += 1
        }
        // 40 clients over 3 backends: a backend left without any client would mean the hash ignores the address.
        #expect(Set(clientsPerBackend.keys) == Set(Self.names), "\(clientsPerBackend)")
        #expect(fixture.stop() == 0)
    }

    @Test("hash_key source_ip_port: one client address with different ports spreads; each flow goes where route says",
        arguments: ["source_hash", "maglev"])
    func sourcePortKey(balance: String) throws {
        let backends = try Self.names.map { try namedBackend($0) }
        let nameOf = Dictionary(uniqueKeysWithValues: zip(backends.map(\.endpoint.description), Self.names))
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(services: AdminFixture.service(
            "web", port: port, balance: balance, backends: backends.map(\.endpoint),
            extra: "    hash_key: source_ip_port\n"))
        let listener = fixture.endpoint(port: port)
        let source = EndToEnd.client(0)
        var seen: [String: Int] = [:]
        for _ in 0..<30 {
            let client = try TestSocket.connect(to: listener, from: source)
            let clientPort = try #require(client.local?.port)
            let answer = String(decoding: try client.receiveToEnd(), as: UTF8.self)
            client.close()
            let route = try fixture.admin.get("/api/v1/services/web/route?client=\(source):\(clientPort)")
            #expect(nameOf[route.object?["backend"] as? String ?? ""] == answer, "port \(clientPort): \(route.text)")
            seen[answer, default: 0] += 1
        }
        #expect(Set(seen.keys) == Set(Self.names), "30 ports of one address should reach every backend: \(seen)")
        #expect(fixture.stop() == 0)
    }

    @Test("two instances with the backends in different orders agree: fingerprint, routes and real connections",
        arguments: ["source_hash", "maglev"])
    func instancesAgree(balance: String) throws {
        let names = ["a", "b", "c", "d", "e"]
        let weights = [1, 2, 3, 1, 2]
        let backends = try names.map { try namedBackend($0) }
        let nameOf = Dictionary(uniqueKeysWithValues: zip(backends.map(\.endpoint.description), names))
        let listed = zip(backends, weights).map { (address: $0.endpoint.description, weight: Optional($1)) }
        let firstPort = freeLoopbackPort()
        let secondPort = freeLoopbackPort()
        let first = try AdminFixture(services: EndToEnd.service(
            "alpha", port: firstPort, balance: balance, backends: listed))
        // Another name, another port, another order (reversed, then the first two swapped).
        var reordered = Array(listed.reversed())
        reordered.swapAt(0, 1)
        let second = try AdminFixture(services: EndToEnd.service(
            "beta", port: secondPort, balance: balance, backends: reordered))

        let firstFingerprint = try #require(try first.admin.service("alpha")?["table_fingerprint"] as? String)
        let secondFingerprint = try #require(try second.admin.service("beta")?["table_fingerprint"] as? String)
        #expect(firstFingerprint == secondFingerprint)

        var seen = Set<String>()
        for index in 0..<30 {
            let source = EndToEnd.client(100 + index)
            let firstRoute = try first.admin.get("/api/v1/services/alpha/route?client=\(source)")
            let secondRoute = try second.admin.get("/api/v1/services/beta/route?client=\(source)")
            let routed = try #require(firstRoute.object?["backend"] as? String, "\(firstRoute.text)")
            #expect(secondRoute.object?["backend"] as? String == routed, "client \(source)")
            let viaFirst = try askBackendName(first.endpoint(port: firstPort), from: source)
            let viaSecond = try askBackendName(second.endpoint(port: secondPort), from: source)
            #expect(viaFirst == nameOf[routed], "client \(source) via alpha")
            #expect(viaSecond == viaFirst, "client \(source) via beta")
            seen.insert(viaFirst)
        }
        #expect(seen.count >= 3, "30 clients over 5 weighted backends: \(seen)")
        #expect(first.stop() == 0)
        #expect(second.stop() == 0)
    }

    @Test("maglev: removing one of ten backends moves about a tenth of the flows, in fulcrum diff and in a dry run")
    func removingOneOfTen() throws {
        let addresses = (1...10).map { "10.0.0.\($0):80" }
        let removed = addresses[3]
        let port = freeLoopbackPort()
        let old = EndToEnd.service("web", port: port, balance: "maglev", backends: addresses.map { ($0, nil) })
        let new = EndToEnd.service(
            "web", port: port, balance: "maglev", backends: addresses.filter { $0 != removed }.map { ($0, nil) })
        let folder = try TemporaryFolder()
        let oldPath = try folder.write("old.yaml", "services:\n" + old)
        let newPath = try folder.write("new.yaml", "services:\n" + new)
        let diff = try FulcrumProcess.run(["diff", oldPath, newPath])
        #expect(diff.status == 0, "\(diff.stderr)")
        let lines = diff.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 1, "\(diff.stdout)")
        let line = try #require(lines.first)
        let pattern = #/^web: (\d+\.\d)% of flows move \(backend (\S+) removed\)$/#
        let match = try #require(line.wholeMatch(of: pattern), "\(line)")
        #expect(String(match.output.2) == removed)
        let percent = try #require(Double(match.output.1))
        #expect(percent >= 8.0 && percent <= 12.0, "\(line)")

        // The running instance's dry run computes the same share from its own tables.
        let fixture = try AdminFixture(services: old)
        try fixture.rewrite(services: new)
        let dryRun = try fixture.admin.post("/api/v1/reload?dry_run=true")
        #expect(dryRun.status == 200, "\(dryRun.text)")
        #expect(dryRun.object?["changes"] as? [String] == [line])
        let fraction = try #require((dryRun.object?["flows_moved"] as? [String: Double])?["web"], "\(dryRun.text)")
        // `diff` prints the percentage rounded to one decimal.
        #expect(abs(fraction * 100 - percent) <= 0.05 + 1e-9, "dry run \(fraction), diff \(percent)%")
        #expect(try fixture.admin.backends(of: "web").count == 10, "a dry run applies nothing")
        #expect(fixture.stop() == 0)
    }

    @Test("least_connections and power_of_two: new connections go to the backend holding fewer",
        arguments: ["least_connections", "power_of_two"])
    func loadAware(balance: String) throws {
        let busy = try EndToEnd.greetingBackend("a")
        let idle = try EndToEnd.greetingBackend("b")
        let port = freeLoopbackPort()
        let fixture = try AdminFixture(
            services: AdminFixture.service("web", port: port, balance: balance, backends: [busy.endpoint]))
        let listener = fixture.endpoint(port: port)
        // Six connections held on the only backend, then a second backend joins through the API.
        var held: [TestSocket] = []
        for _ in 0..<6 {
            let client = try TestSocket.connect(to: listener)
            #expect(try client.receive(exactly: 1) == Array("a".utf8))
            held.append(client)
        }
        let added = try fixture.admin.post("/api/v1/services/web/backends", #"{"address": "\#(idle.endpoint)"}"#)
        #expect(added.status == 201, "\(added.text)")

        // Short connections, each closed before the next (a loaded machine may take a while to close them, and six
        // lingering ones would tie): 6 held against none, every time.
        var shortAnswers: [String] = []
        for _ in 0..<10 {
            let client = try TestSocket.connect(to: listener)
            shortAnswers.append(String(decoding: try client.receive(exactly: 1), as: UTF8.self))
            client.shutdownWrite()
            _ = try client.receiveToEnd()
            client.close()
            #expect(eventually { EndToEnd.figure(fixture.admin, "web", idle.endpoint, "active_connections") == 0 })
        }
        #expect(shortAnswers == Array(repeating: "b", count: 10), "\(shortAnswers)")

        // Held connections: the idle backend takes each new one while it holds fewer than the busy one.
        var heldAnswers: [String] = []
        for _ in 0..<5 {
            let client = try TestSocket.connect(to: listener)
            heldAnswers.append(String(decoding: try client.receive(exactly: 1), as: UTF8.self))
            held.append(client)
        }
        #expect(heldAnswers == Array(repeating: "b", count: 5), "\(heldAnswers)")
        #expect(EndToEnd.figure(fixture.admin, "web", busy.endpoint, "active_connections") == 6)
        #expect(EndToEnd.figure(fixture.admin, "web", idle.endpoint, "active_connections") == 5)
        // Every held connection still works.
        for client in held {
            try client.send("z")
            #expect(try client.receive(exactly: 1) == Array("z".utf8))
            client.close()
        }
        #expect(fixture.stop() == 0)
    }
}
