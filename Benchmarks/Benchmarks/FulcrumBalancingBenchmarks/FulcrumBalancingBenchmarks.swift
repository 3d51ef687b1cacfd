import Benchmark
import FulcrumBalancing
import FulcrumNet

// Balancing hot path and table builds (issue 3, item 5). Run from Benchmarks/:
//   swift package benchmark --target FulcrumBalancingBenchmarks
// `pick` must allocate nothing: every pick benchmark carries a threshold of 0 on mallocCountTotal.

/// Backend `number` as `10.x.y.z:80`, weight 1...3 (so weighted code paths run).
private func members(_ count: Int, weight: (Int) -> Int = { $0 % 3 + 1 }) -> [BalancerMember] {
    (0..<count).map { number in
        BalancerMember(
            id: BackendID(UInt32(number)),
            key: "10.\(number >> 16 & 255).\(number >> 8 & 255).\(number & 255):80",
            weight: weight(number),
            maxConnections: 1_000_000,
            load: BackendLoad()
        )
    }
}

/// 1,024 distinct clients, cycled through by the pick loops.
private let clients: [IPEndpoint] = (0..<1024).map { number in
    IPEndpoint(address: .v4(0x6440_0000 &+ UInt32(number) &* 2_654_435_761), port: UInt16(1024 + number))
}

private let pickAlgorithms: [BalanceAlgorithm] = [
    .roundRobin, .leastConnections, .powerOfTwo, .random, .sourceHash, .maglev(tableSize: 65537),
]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        maxDuration: .seconds(1),
        maxIterations: 1_000_000
    )
    let noAllocation = BenchmarkThresholds(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])

    for algorithm in pickAlgorithms {
        for count in [3, 100, 1000] {
            let balancer = Balancers.make(
                algorithm: algorithm,
                hashKey: .sourceIP,
                members: members(count),
                rotation: RoundRobinRotation()
            )
            // Some load, so least connections and power of two compare real figures.
            for (index, member) in balancer.members.enumerated() {
                member.load.active.store(index % 7, ordering: .relaxed)
            }
            Benchmark(
                "pick \(algorithm.name) \(count) backends",
                configuration: .init(scalingFactor: .kilo, thresholds: [.mallocCountTotal: noAllocation])
            ) { benchmark in
                var generator = SplitMix64(seed: 1)
                var index = 0
                for _ in benchmark.scaledIterations {
                    let context = PickContext(client: clients[index & 1023], random: generator.next())
                    blackHole(balancer.pick(context, excluding: Exclusions()))
                    index &+= 1
                }
            }
        }
    }

    for count in [100, 1000] {
        let pool = members(count, weight: { _ in 1 })
        let keys = pool.map(\.key)
        let equal = pool.map(\.weight)
        let weighted = (0..<count).map { $0 % 10 + 1 }
        let buildConfiguration = Benchmark.Configuration(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal],
            timeUnits: .microseconds,
            maxDuration: .seconds(3),
            maxIterations: 1000
        )
        Benchmark("maglev table build \(count) backends M=65537", configuration: buildConfiguration) { _ in
            blackHole(MaglevTable(keys: keys, weights: equal, size: 65537))
        }
        Benchmark("maglev table build \(count) backends weights 1-10 M=65537", configuration: buildConfiguration) { _ in
            blackHole(MaglevTable(keys: keys, weights: weighted, size: 65537))
        }
        // What a snapshot rebuild costs in all: canonical sort, table and fingerprint.
        Benchmark("maglev Balancers.make \(count) backends M=65537", configuration: buildConfiguration) { _ in
            blackHole(
                Balancers.make(
                    algorithm: .maglev(tableSize: 65537),
                    hashKey: .sourceIP,
                    members: pool,
                    rotation: RoundRobinRotation()
                )
            )
        }
        // Round robin's cycle at its worst: every weight different (one comparison per distinct weight per step).
        let distinct = members(count, weight: { 10_000 - $0 })
        let name = "round_robin Balancers.make \(count) backends distinct weights"
        Benchmark(name, configuration: buildConfiguration) { _ in
            blackHole(
                Balancers.make(
                    algorithm: .roundRobin,
                    hashKey: .sourceIP,
                    members: distinct,
                    rotation: RoundRobinRotation()
                )
            )
        }
    }
}
