import Benchmark
import FulcrumNet
import FulcrumProxyProtocol

// PROXY protocol header encode and parse (issue 9, item 4). Run from Benchmarks/:
//   swift package benchmark --target FulcrumProxyProtocolBenchmarks
// Both run once per proxied connection and must allocate nothing.

private let source = IPEndpoint(address: IPAddress("203.0.113.77")!, port: 51_234)
private let destination = IPEndpoint(address: IPAddress("198.51.100.10")!, port: 443)
private let source6 = IPEndpoint(address: IPAddress("2001:db8:1234::77")!, port: 51_234)
private let destination6 = IPEndpoint(address: IPAddress("2001:db8::10")!, port: 443)

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        maxDuration: .seconds(1),
        maxIterations: 1_000_000
    )
    let noAllocation = BenchmarkThresholds(absolute: [.p0: 0, .p25: 0, .p50: 0, .p75: 0, .p90: 0, .p99: 0, .p100: 0])
    let configuration = Benchmark.Configuration(
        scalingFactor: .kilo, thresholds: [.mallocCountTotal: noAllocation])

    for (name, header) in [
        ("v1 TCP4", ProxyHeader.proxy(.v1, source: source, destination: destination)),
        ("v1 TCP6", ProxyHeader.proxy(.v1, source: source6, destination: destination6)),
        ("v2 TCP4", ProxyHeader.proxy(.v2, source: source, destination: destination)),
        ("v2 TCP6", ProxyHeader.proxy(.v2, source: source6, destination: destination6)),
    ] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        Benchmark("encode \(name)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(header.encode(into: buffer))
            }
        }
        let encoded = header.encoded()
        let input = UnsafeMutableRawBufferPointer.allocate(byteCount: encoded.count, alignment: 8)
        input.copyBytes(from: encoded)
        Benchmark("parse \(name) (\(encoded.count) bytes)", configuration: configuration) { benchmark in
            for _ in benchmark.scaledIterations {
                var parser = ProxyHeaderParser()
                blackHole(parser.feed(UnsafeRawBufferPointer(input)))
            }
        }
    }
}
