// swift-tools-version: 6.1
// A standalone package for fuzzing the PROXY protocol parser with libFuzzer. It is not part of the main build or of
// CI: `./run.sh [seconds]` builds and runs it. Sources/FulcrumNet and Sources/FulcrumProxyProtocol are symlinks to
// the real modules, so the fuzzer always exercises the code in the tree.
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
        // libFuzzer supplies `main` and calls `LLVMFuzzerTestOneInput`, hence -parse-as-library.
        .executableTarget(
            name: "ProxyHeaderFuzzer",
            dependencies: ["FulcrumNet", "FulcrumProxyProtocol"],
            swiftSettings: swiftSettings + [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
