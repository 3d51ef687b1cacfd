// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "FulcrumBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Fulcrum", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "FulcrumBalancingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FulcrumBalancing", package: "Fulcrum"),
            ],
            path: "Benchmarks/FulcrumBalancingBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "FulcrumProxyProtocolBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FulcrumProxyProtocol", package: "Fulcrum"),
            ],
            path: "Benchmarks/FulcrumProxyProtocolBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "FulcrumEngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FulcrumEngine", package: "Fulcrum"),
                .product(name: "FulcrumBalancing", package: "Fulcrum"),
            ],
            path: "Benchmarks/FulcrumEngineBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
