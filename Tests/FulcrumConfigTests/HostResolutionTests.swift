import FulcrumConfig
import FulcrumNet
import Synchronization
import Testing

/// Backends given by host name are resolved when the file is loaded; the address string stays as written.
struct HostResolutionTests {
    /// Counts the questions it is asked.
    final class CountingResolver: HostResolver {
        let questions = Mutex<[String]>([])

        func resolve(host: String, port: UInt16) -> Result<IPEndpoint, HostResolutionError> {
            self.questions.withLock { $0.append("\(host):\(port)") }
            return .success(IPEndpoint(address: IPAddress("10.1.2.3")!, port: port))
        }
    }

    @Test func aHostNameIsResolvedAndKeptAsWritten() throws {
        let result = parse(
            "services:\n  web:\n    listen: 0.0.0.0:80\n    backends: [{address: db.internal:5432, weight: 4}]\n"
        )
        #expect(lines(result).isEmpty)
        let backend = try #require(result.configuration?.services.first?.backends.first)
        #expect(backend.address == "db.internal:5432")
        #expect(backend.endpoint == IPEndpoint("10.9.0.1:5432")!)
        #expect(backend.weight == 4)
    }

    @Test func eachHostIsAskedOncePerLoadAndLiteralsNever() throws {
        let resolver = CountingResolver()
        let result = ConfigLoader(resolver: resolver).parse(
            yaml: """
                services:
                  a: {listen: 0.0.0.0:80, backends: [{address: app:80}, {address: 10.0.0.1:80}]}
                  b: {listen: 0.0.0.0:81, backends: [{address: app:80}, {address: app:81}, {address: "[::1]:80"}]}
                """,
            path: "f.yaml"
        )
        #expect(result.errors.isEmpty)
        #expect(resolver.questions.withLock { $0 } == ["app:80", "app:81"])
        let endpoints = try #require(result.configuration?.services.map { $0.backends.map(\.endpoint.description) })
        #expect(endpoints == [["10.1.2.3:80", "10.0.0.1:80"], ["10.1.2.3:80", "10.1.2.3:81", "[::1]:80"]])
    }

    @Test func anUnresolvableHostIsAnErrorAtTheAddress() {
        let result = parse(
            "services:\n  web:\n    listen: 0.0.0.0:80\n    backends:\n      - address: ghost.internal:80\n"
        )
        #expect(
            lines(result) == [
                "fulcrum.yaml:5:18: service 'web': backend 1: cannot resolve host 'ghost.internal': no such host"
            ]
        )
    }

    @Test func theSystemResolverPrefersIPv4ForLocalhost() throws {
        let result = ConfigLoader(resolver: SystemHostResolver()).parse(
            yaml: "services:\n  web:\n    listen: 127.0.0.1:8080\n    backends: [{address: localhost:9000}]\n",
            path: "f.yaml"
        )
        #expect(result.errors.isEmpty)
        let backend = try #require(result.configuration?.services.first?.backends.first)
        #expect(backend.address == "localhost:9000")
        #expect(backend.endpoint == IPEndpoint("127.0.0.1:9000")!)
    }

    @Test func theSystemResolverReportsFailures() {
        // `.invalid` is reserved (RFC 2606): it never resolves, and resolvers answer without asking the network.
        let outcome = SystemHostResolver().resolve(host: "no-such-host.invalid", port: 80)
        guard case .failure(let failure) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(!failure.message.isEmpty)
    }
}
