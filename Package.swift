// swift-tools-version: 6.1
import PackageDescription

// Module borders follow what each module may touch (README.md, "Layout", says what each one is for):
//   FulcrumNet, FulcrumBalancing, FulcrumProxyProtocol  pure: stdlib + Synchronization only, no I/O, no Foundation
//                                                       (FulcrumNet also holds SystemHostResolver, getaddrinfo)
//   FulcrumDNS                                          pure: DNS messages and resolv.conf text (FulcrumNet + stdlib)
//   FulcrumConfig                                       file format -> validated model (Yams, Foundation), no I/O beyond reading the file
//   FulcrumEngine                                       the Linux data plane (epoll, splice); takes plain settings, never the config
//   FulcrumHealth                                       health state machines (pure, clock-generic) and probers (SwiftNIO)
//   FulcrumDiscovery                                    registry clients (etcd via async-http-client, DNS via FulcrumDNS
//                                                       over SwiftNIO) and the pure rules for what their answers do
//   FulcrumControl                                      orchestration: config -> routing snapshots, reload, drain, stats
//   FulcrumAdmin                                        admin HTTP server (Hummingbird), metrics exposition, status page
//   fulcrum                                             the executable: CLI, logging/metrics bootstrap, signals
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "Fulcrum",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "fulcrum", targets: ["fulcrum"]),
        // For the separate Benchmarks/ package only.
        .library(name: "FulcrumBalancing", targets: ["FulcrumBalancing"]),
        .library(name: "FulcrumProxyProtocol", targets: ["FulcrumProxyProtocol"]),
        .library(name: "FulcrumEngine", targets: ["FulcrumEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The few Linux calls Swift's Glibc module does not expose (splice, accept4, pipe2, epoll_event access,
        // recvmmsg/sendmmsg and packet-info control messages). Nothing else belongs here.
        .target(name: "CFulcrumSys"),

        .target(name: "FulcrumNet", swiftSettings: swiftSettings),
        .target(name: "FulcrumBalancing", dependencies: ["FulcrumNet"], swiftSettings: swiftSettings),
        .target(name: "FulcrumProxyProtocol", dependencies: ["FulcrumNet"], swiftSettings: swiftSettings),
        .target(name: "FulcrumDNS", dependencies: ["FulcrumNet"], swiftSettings: swiftSettings),
        .target(
            name: "FulcrumConfig",
            dependencies: ["FulcrumNet", "FulcrumBalancing", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FulcrumEngine",
            dependencies: [
                "CFulcrumSys", "FulcrumNet", "FulcrumBalancing", "FulcrumProxyProtocol",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FulcrumDiscovery",
            dependencies: [
                "FulcrumNet", "FulcrumDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FulcrumHealth",
            dependencies: [
                "FulcrumNet",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FulcrumControl",
            dependencies: [
                "FulcrumNet", "FulcrumBalancing", "FulcrumConfig", "FulcrumDiscovery", "FulcrumEngine", "FulcrumHealth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FulcrumAdmin",
            dependencies: [
                "FulcrumNet", "FulcrumConfig", "FulcrumDiscovery", "FulcrumEngine", "FulcrumHealth", "FulcrumControl",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fulcrum",
            dependencies: [
                "FulcrumNet", "FulcrumConfig", "FulcrumDiscovery", "FulcrumEngine", "FulcrumHealth", "FulcrumControl", "FulcrumAdmin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FulcrumTestSupport",
            dependencies: ["FulcrumNet"],
            path: "Tests/FulcrumTestSupport",
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "FulcrumNetTests", dependencies: ["FulcrumNet", "FulcrumTestSupport"], swiftSettings: swiftSettings
        ),
        .testTarget(name: "FulcrumBalancingTests", dependencies: ["FulcrumBalancing"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FulcrumProxyProtocolTests",
            dependencies: ["FulcrumProxyProtocol", "FulcrumTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FulcrumDNSTests", dependencies: ["FulcrumDNS"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FulcrumDiscoveryTests",
            dependencies: [
                "FulcrumDiscovery", "FulcrumDNS", "FulcrumNet", "FulcrumTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FulcrumConfigTests", dependencies: ["FulcrumConfig"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FulcrumHealthTests",
            dependencies: [
                "FulcrumHealth", "FulcrumNet", "FulcrumTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulcrumEngineTests",
            dependencies: ["FulcrumEngine", "FulcrumTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulcrumControlTests",
            dependencies: [
                "FulcrumControl", "FulcrumEngine", "FulcrumNet", .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulcrumAdminTests",
            dependencies: [
                "FulcrumAdmin", "FulcrumControl", "FulcrumHealth",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FulcrumIntegrationTests",
            dependencies: ["fulcrum", "FulcrumTestSupport"],
            swiftSettings: swiftSettings
        ),
    ]
)
