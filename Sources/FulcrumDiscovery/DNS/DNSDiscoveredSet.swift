import FulcrumDNS
import FulcrumNet

/// The backends one round's answers name, and how long those answers hold: the pure half of a round, fed answer by
/// answer.
///
/// Each (address, port) is one backend. When two records lead to the same one (two SRV records whose targets share
/// an address, or one target listed twice), their weights are summed, capped at `maximumWeight`: each record is a
/// share of the load the zone sends there, so the sum is the share that address gets.
struct DNSDiscoveredSet: Sendable, Hashable {
    /// The most a backend weighs, as a configured backend's `weight`.
    static let maximumWeight = 10_000

    private var weights: [IPEndpoint: Int] = [:]
    /// The least TTL of the answers that had records.
    private var recordsTTL: UInt32?
    /// The least negative TTL of the answers that had none (NXDOMAIN, NODATA with an SOA).
    private var negativeTTL: UInt32?

    /// A backend at `address`:`port`; if the round already has it, the weights add up.
    mutating func add(_ address: IPAddress, port: UInt16, weight: Int) {
        let endpoint = IPEndpoint(address: address, port: port)
        let sum = self.weights[endpoint, default: 0] + weight
        self.weights[endpoint] = min(sum, DNSDiscoveredSet.maximumWeight)
    }

    /// Takes the TTL of an answer the round used.
    mutating func note(_ answer: DNSAnswer) {
        switch answer {
        case .records(let records):
            self.recordsTTL = min(self.recordsTTL ?? .max, records.ttl)
        case .noData(let negativeTTL), .nxdomain(let negativeTTL):
            if let negativeTTL { self.negativeTTL = min(self.negativeTTL ?? .max, negativeTTL) }
        case .truncated:
            preconditionFailure("the stub resolver asks a truncated answer again over TCP")
        }
    }

    /// The backends, ordered by address then port, so that equal sets give equal reports.
    var backends: [DiscoveredBackend] {
        self.weights
            .sorted { $0.key.address != $1.key.address ? $0.key.address < $1.key.address : $0.key.port < $1.key.port }
            .map { DiscoveredBackend(address: $0.key.description, endpoint: $0.key, weight: $0.value) }
    }

    /// Seconds until the round should be asked again, `nil` when no answer said.
    ///
    /// With backends, the least TTL of the answers that had records: the set is stale as soon as one of them is. An
    /// empty answer beside them does not count (an IPv4-only name's AAAA NODATA, whose negative TTL may be long, or
    /// absent when the server sends no SOA). Without backends, the least TTL of every answer, negative ones included
    /// (an SRV record whose target does not exist holds as long as the shorter of the two).
    var ttl: UInt32? {
        if !self.weights.isEmpty { return self.recordsTTL }
        switch (self.recordsTTL, self.negativeTTL) {
        case (let records?, let negative?): return min(records, negative)
        case (let records?, nil): return records
        case (nil, let negative?): return negative
        case (nil, nil): return nil
        }
    }

    /// The Fulcrum weight of an SRV record's weight. RFC 2782 gives weight-0 records a small chance of being picked
    /// when others weigh more, and all of them an equal one when all weigh 0; weight 1 is the closest Fulcrum has.
    /// Above `maximumWeight` (SRV weights go to 65,535) the weight is capped.
    static func weight(ofServiceWeight weight: UInt16) -> Int {
        weight == 0 ? 1 : min(Int(weight), DNSDiscoveredSet.maximumWeight)
    }

    /// The SRV records a pool is made of: those with the lowest priority value. Records with higher values are
    /// fallbacks, to be used only when every record of a lower value fails (RFC 2782). A pool cannot express that
    /// yet, and mixing them in would send them traffic the zone means to keep off them, so they are left out.
    static func preferred(_ services: [DNSService]) -> [DNSService] {
        guard let lowest = services.map(\.priority).min() else { return [] }
        return services.filter { $0.priority == lowest }
    }
}
