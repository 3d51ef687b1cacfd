import FulcrumNet
import FulcrumTestSupport
import Foundation

/// Helpers shared by the balancing, health and reload end-to-end suites.
enum EndToEnd {
    /// `127.1.X.Y`: the N-th of a set of distinct client addresses (all of 127.0.0.0/8 is loopback on Linux).
    static func client(_ index: Int) -> IPAddress {
        .v4(0x7F01_0000 | UInt32(index / 250) << 8 | UInt32(index % 250 + 1))
    }

    /// A health check fast enough for tests: SPEC §2 `health_check` with interval 200ms, fall 2, rise 2. The timeout
    /// is longer than the interval (SPEC §8.5): a healthy backend on a loaded machine is never failed by a probe that
    /// took a moment, while a stopped one still refuses at once.
    static let fastHealthCheck = """
            health_check:
              interval: 200ms
              timeout: 2s
              rise: 2
              fall: 2

        """

    /// One service block for `services:` with per-backend weights (`nil`: no weight key).
    static func service(
        _ name: String, port: UInt16, balance: String = "round_robin", backends: [(address: String, weight: Int?)],
        extra: String = ""
    ) -> String {
        var yaml = "  \(name):\n    listen: \"127.0.0.1:\(port)\"\n    balance: \(balance)\n" + extra
        yaml += "    backends:\n"
        for backend in backends {
            yaml += "      - address: \"\(backend.address)\"\n"
            if let weight = backend.weight { yaml += "        weight: \(weight)\n" }
        }
        return yaml
    }

    /// A backend that sends `name` as soon as a connection is accepted and then echoes, so a client learns where
    /// it went and can keep the connection open.
    static func greetingBackend(_ name: String) throws -> LoopbackServer {
        try LoopbackServer { socket in
            guard (try? socket.send(name)) != nil else {
                socket.close()
                return
            }
            LoopbackServer.echo(socket)
        }
    }

    /// One short connection through `endpoint`: sends `payload`, expects it echoed, closes. Throws on any failure.
    static func exchange(_ endpoint: IPEndpoint, payload: [UInt8], timeout: Duration = .seconds(5)) throws {
        let client = try TestSocket.connect(to: endpoint, timeout: timeout)
        defer { client.close() }
        try client.send(payload)
        let echoed = try client.receive(exactly: payload.count)
        guard echoed == payload else { throw EndToEndError("echo differs: sent \(payload), got \(echoed)") }
    }

    static func exchange(_ endpoint: IPEndpoint, _ text: String = "ping") throws {
        try self.exchange(endpoint, payload: Array(text.utf8))
    }

    /// The admin object of one backend of `service`, by its configured address.
    static func backend(_ admin: AdminClient, _ service: String, _ address: IPEndpoint) throws -> [String: Any]? {
        try admin.backends(of: service).first { $0["address"] as? String == address.description }
    }

    /// A backend's `health` field (`nil` when it is not listed).
    static func health(_ admin: AdminClient, _ service: String, _ address: IPEndpoint) -> String? {
        (try? self.backend(admin, service, address))?["health"] as? String
    }

    /// An integer field of a backend object (`nil` when absent).
    static func figure(_ admin: AdminClient, _ service: String, _ address: IPEndpoint, _ field: String) -> Int? {
        (try? self.backend(admin, service, address))?[field] as? Int
    }

    /// The value of the sample `name{labels...}` in a Prometheus text exposition (labels in any order).
    static func sample(_ exposition: String, _ name: String, _ labels: [String: String]) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") {
            guard let close = line.lastIndex(of: "}") else { continue }
            let labelText = line[line.index(line.startIndex, offsetBy: name.count + 1)..<close]
            let matches = labels.allSatisfy { key, value in labelText.contains("\(key)=\"\(value)\"") }
            guard matches else { continue }
            return Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    /// Sleeps until `instant` (returns at once if it has passed).
    static func pause(until instant: ContinuousClock.Instant) {
        let remaining = instant - ContinuousClock.now
        guard remaining > .zero else { return }
        let (seconds, attoseconds) = remaining.components
        Thread.sleep(forTimeInterval: Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Polls `condition` until `deadline`; whether it held by then.
    static func holds(by deadline: ContinuousClock.Instant, _ condition: () -> Bool) -> Bool {
        let remaining = deadline - ContinuousClock.now
        return eventually(timeout: max(remaining, .milliseconds(1)), condition)
    }
}

/// A failure of an end-to-end step, with what was seen.
struct EndToEndError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
