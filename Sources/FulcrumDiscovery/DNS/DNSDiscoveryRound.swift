import FulcrumDNS
import FulcrumNet

/// One round of a DNS source: the queries that find a service's backends now, and what their answers make of them.
///
/// - `name` + `port`: A and AAAA, asked together; each address is a backend on `port`, weight 1.
/// - `srv`: the SRV records of the lowest priority value (`DNSDiscoveredSet.preferred`); each target's addresses
///   come from the glue in the additional section when the server sent any, else from A and AAAA queries for the
///   target (a few targets at a time). Each address is a backend on the record's port, weighted by the record.
///
/// A round succeeds only if every query it needed was answered: one failed query fails the round, since a set built
/// without that answer would drop backends that are still there.
struct DNSDiscoveryRound: Sendable {
    enum Target: Sendable, Hashable {
        case addresses(DNSName, port: UInt16)
        case service(DNSName)
    }

    /// SRV targets whose addresses are asked at once (two queries each); the rest wait their turn, so that a large
    /// SRV set does not open hundreds of sockets together.
    static let concurrentTargets = 8

    var target: Target
    var resolver: DNSStubResolver

    /// The target from the settings' text; throws when a name is not a valid DNS name.
    static func target(of query: DNSDiscoverySettings.Query) throws(DNSNameError) -> Target {
        switch query {
        case .addresses(let name, let port): return .addresses(try DNSName(name), port: port)
        case .service(let name): return .service(try DNSName(name))
        }
    }

    /// Asks the round's queries. Throws `DNSResolutionFailure` when one of them got no answer, `CancellationError`
    /// when the task was cancelled.
    func run() async throws -> DNSDiscoveredSet {
        var set = DNSDiscoveredSet()
        switch self.target {
        case .addresses(let name, let port):
            for answer in try await self.addresses(of: name) {
                set.note(answer)
                for address in DNSDiscoveryRound.addresses(in: answer) {
                    set.add(address, port: port, weight: 1)
                }
            }
        case .service(let name):
            let answer = try await self.resolver.resolve(name, .srv)
            set.note(answer)
            guard case .records(let records) = answer else { return set }
            let services = DNSDiscoveredSet.preferred(records.services)
            let targetAddresses = try await self.addresses(of: services.filter(\.addresses.isEmpty).map(\.target))
            for service in services {
                let weight = DNSDiscoveredSet.weight(ofServiceWeight: service.weight)
                var addresses = service.addresses
                if addresses.isEmpty, let answers = targetAddresses[service.target] {
                    for answer in answers {
                        set.note(answer)
                        addresses += DNSDiscoveryRound.addresses(in: answer)
                    }
                }
                for address in addresses {
                    set.add(address, port: service.port, weight: weight)
                }
            }
        }
        return set
    }

    /// The A and AAAA answers for `name`, asked at the same time.
    private func addresses(of name: DNSName) async throws -> [DNSAnswer] {
        async let v4 = self.resolver.resolve(name, .a)
        async let v6 = self.resolver.resolve(name, .aaaa)
        return try await [v4, v6]
    }

    /// The A and AAAA answers for each of `targets` (each distinct name asked once), `concurrentTargets` at a time.
    private func addresses(of targets: [DNSName]) async throws -> [DNSName: [DNSAnswer]] {
        var unique: [DNSName] = []
        var seen = Set<DNSName>()
        for target in targets where seen.insert(target).inserted { unique.append(target) }
        var answers: [DNSName: [DNSAnswer]] = [:]
        var start = unique.startIndex
        while start < unique.endIndex {
            let batch = unique[start..<min(start + DNSDiscoveryRound.concurrentTargets, unique.endIndex)]
            start = batch.endIndex
            try await withThrowingTaskGroup(of: (DNSName, [DNSAnswer]).self) { group in
                for target in batch {
                    group.addTask { (target, try await self.addresses(of: target)) }
                }
                for try await (target, targetAnswers) in group {
                    answers[target] = targetAnswers
                }
            }
        }
        return answers
    }

    private static func addresses(in answer: DNSAnswer) -> [IPAddress] {
        guard case .records(let records) = answer else { return [] }
        return records.addresses
    }
}
