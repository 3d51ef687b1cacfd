// swift-tools-version: 6.1
// A standalone package for fuzzing the PROXY protocol parser and the DNS message codec with libFuzzer. It is not part
// of the main build or of CI: `./run.sh [seconds] [proxy|dns|all]` builds and runs it. Sources/FulcrumNet,
// Sources/FulcrumProxyProtocol and Sources/FulcrumDNS are symlinks to the real modules, so the fuzzers always exercise
// the code in the tree.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "FulcrumFuzz",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "FulcrumNet", swiftSettings: swiftSettings),
        .target(name: "FulcrumProxyProtocol", dependencies: ["FulcrumNet"], swiftSettings: swiftSettings),
        .target(name: "FulcrumDNS", dependencies: ["FulcrumNet"], swiftSettings: swiftSettings),
        // libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput`, hence -parse-as-library.
        .executableTarget(
            name: "ProxyHeaderFuzzer",
            dependencies: ["FulcrumNet", "FulcrumProxyProtocol"],
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "DNSMessageFuzzer",
            dependencies: ["FulcrumNet", "FulcrumDNS"],
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
