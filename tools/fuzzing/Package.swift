// swift-tools-version:6.0
// libFuzzer harnesses for nicer's parsers of files it did not write (run by tools/fuzz). A package
// of its own, so the root package's builds and tests never link libFuzzer. SwiftPM links an
// executable's own entry point as main, so the harness's main calls libFuzzer's driver; lld
// links it (gold fails on the sanitizer runtime's symbols).
import PackageDescription

let package = Package(
    name: "nicer-fuzz",
    dependencies: [.package(name: "nicer", path: "../..")],
    targets: [
        .target(name: "CFuzzer"),
        .executableTarget(
            name: "nicer-fuzz",
            dependencies: [
                "CFuzzer",
                .product(name: "Batch", package: "nicer"), .product(name: "Face3D", package: "nicer"),
                .product(name: "Faces", package: "nicer"), .product(name: "Media", package: "nicer"),
                .product(name: "NeuralNet", package: "nicer"), .product(name: "Stability", package: "nicer"),
            ],
            linkerSettings: [.unsafeFlags(["-use-ld=lld"])]),
    ]
)
