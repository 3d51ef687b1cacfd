import FulcrumBalancing
import FulcrumNet

/// `10.0.x.y:80` for backend number `number` (distinct for every number below 65,536).
func backendKey(_ number: Int) -> String {
    "10.0.\(number / 256).\(number % 256):80"
}

/// Members numbered from 0 with these weights; member `i` has id `i` and key `backendKey(i)`.
func makeMembers(_ weights: [Int], maxConnections: Int? = nil) -> [BalancerMember] {
    weights.enumerated().map { number, weight in
        BalancerMember(
            id: BackendID(UInt32(number)),
            key: backendKey(number),
            weight: weight,
            maxConnections: maxConnections,
            load: BackendLoad()
        )
    }
}

func makeBalancer(
    _ algorithm: BalanceAlgorithm,
    _ members: [BalancerMember],
    hashKey: HashKey = .sourceIP,
    rotation: RoundRobinRotation = RoundRobinRotation()
) -> any LoadBalancer {
    Balancers.make(algorithm: algorithm, hashKey: hashKey, members: members, rotation: rotation)
}

let allAlgorithms: [BalanceAlgorithm] = [
    .roundRobin, .leastConnections, .powerOfTwo, .random, .sourceHash, .maglev(tableSize: 65537),
]

/// The index in `balancer.members` of the member whose key is `key`.
func index(of key: String, in balancer: any LoadBalancer) -> Int {
    balancer.members.firstIndex { $0.key == key }!
}

/// A distinct client for every `number` (IPv4, spread over 100.64.0.0/10), port `1024 + number % 50000`.
func client(_ number: Int) -> IPEndpoint {
    IPEndpoint(address: .v4(0x6440_0000 &+ UInt32(number)), port: UInt16(1024 + number % 50000))
}

/// How many of `picks` picks went to each key; contexts carry seeded randomness and distinct clients.
func pickCounts(
    _ balancer: any LoadBalancer,
    picks: Int,
    seed: UInt64 = 42,
    excluding: Exclusions = Exclusions()
) -> [String: Int] {
    var generator = SplitMix64(seed: seed)
    var counts: [String: Int] = [:]
    for number in 0..<picks {
        let context = PickContext(client: client(number), random: generator.next())
        if let picked = balancer.pick(context, excluding: excluding) {
            counts[balancer.members[picked].key, default: 0] += 1
        }
    }
    return counts
}

/// `true` when every key's share of `counts` is within `tolerance` (relative) of its weight's share.
func sharesMatchWeights(_ counts: [String: Int], _ members: [BalancerMember], tolerance: Double) -> Bool {
    let total = Double(counts.values.reduce(0, +))
    let totalWeight = Double(members.reduce(0) { $0 + $1.weight })
    return members.allSatisfy { member in
        let expected = Double(member.weight) / totalWeight
        let observed = Double(counts[member.key, default: 0]) / total
        return abs(observed - expected) <= tolerance * expected
    }
}

func exclusions(_ indices: [Int]) -> Exclusions {
    var set = Exclusions()
    for index in indices { set.insert(index) }
    return set
}
