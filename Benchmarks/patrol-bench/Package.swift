// swift-tools-version:6.0
// Benchmarks of the patrol package's code (BENCHMARKS.md): scoring, scope decisions and the
// gateway's recording writer. Standalone, so the product's command line carries none of them:
// build it here, never as part of the patrol package.
import PackageDescription

let package = Package(
    name: "patrol-bench",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "patrol-bench", targets: ["patrol-bench"]),
    ],
    dependencies: [
        // Named, so the products below resolve whatever the checkout's folder is called.
        .package(name: "patrol", path: "../.."),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.115.0"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.12.0"),
    ],
    targets: [
        .executableTarget(
            name: "patrol-bench",
            dependencies: [
                .product(name: "PatrolCore", package: "patrol"),
                .product(name: "PatrolStore", package: "patrol"),
                .product(name: "PatrolGateway", package: "patrol"),
                .product(name: "PatrolServer", package: "patrol"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
            ],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
    ]
)
