// swift-tools-version:6.0
// nicer: removes temporal flicker from face-swapped videos and measures how stable a video is.
// Imports point one way (docs/architecture.md): nicer (CLI) → Batch → Refine (pipelines) → Reports (output layer) → Stability
// → Faces/Flow/Media; Refine → Face3D → Faces → NeuralNet → Tensor → C shims; Synth → Media. C modules stay private.
import PackageDescription

let package = Package(
    name: "nicer",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nicer", targets: ["nicer"]),
        .library(name: "Media", targets: ["Media"]),
        .library(name: "Tensor", targets: ["Tensor"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Flow", targets: ["Flow"]),
        .library(name: "Stability", targets: ["Stability"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Faces", targets: ["Faces"]),
        .library(name: "Synth", targets: ["Synth"]),
        .library(name: "Face3D", targets: ["Face3D"]),
        .library(name: "Refine", targets: ["Refine"]),
        .library(name: "Batch", targets: ["Batch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims (system libraries; private to the module that wraps them)
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libswscale-dev", "libavutil-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CProcess"),

        // MARK: - Libraries
        .target(name: "Tensor", dependencies: ["COpenBLAS"]),
        .target(name: "NeuralNet", dependencies: ["Tensor"]),
        .target(name: "Flow", dependencies: ["Tensor"]),
        .target(name: "Media", dependencies: ["CFFmpeg", "CPNG", "Tensor"]),
        .target(name: "Synth", dependencies: ["Media", "Tensor"]),
        .target(name: "Stability", dependencies: ["Faces", "Flow", "Media", "Tensor"]),
        .target(name: "Reports", dependencies: ["Media", "Stability"]),
        .target(name: "Faces", dependencies: ["NeuralNet", "Tensor"]),
        .target(name: "Face3D", dependencies: ["Faces", "Tensor"]),
        .target(name: "Refine", dependencies: ["Face3D", "Faces", "Media", "NeuralNet", "Flow", "Stability", "Reports", "Tensor"]),
        .target(name: "Batch", dependencies: ["CProcess", "Faces", "Media", "Refine", "Reports"]),

        // MARK: - Command-line tool (argument parsing only)
        .executableTarget(
            name: "nicer",
            dependencies: [
                "Media", "Synth", "Tensor", "NeuralNet", "Flow", "Stability", "Reports", "Faces", "Face3D", "Refine", "Batch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Media", "Tensor"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Tensor", "TestSupport"]),
        .testTarget(name: "FlowTests", dependencies: ["Flow", "Media", "NeuralNet", "Tensor", "TestSupport"]),
        .testTarget(name: "FacesTests", dependencies: ["Faces", "Media", "Tensor", "TestSupport"]),
        .testTarget(name: "Face3DTests", dependencies: ["Face3D", "Faces", "Tensor", "TestSupport"]),
        .testTarget(name: "StabilityTests", dependencies: ["Stability", "Flow", "Synth", "Media", "Tensor", "TestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "Tensor", "Synth", "TestSupport"]),
        .testTarget(name: "SynthTests", dependencies: ["Synth", "Media", "Tensor", "TestSupport"]),
        .testTarget(name: "RefineTests", dependencies: ["Refine", "Faces", "NeuralNet", "Media", "Stability", "Synth", "Tensor", "TestSupport"]),
        .testTarget(name: "BatchTests", dependencies: ["Batch", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["nicer", "Faces", "Media", "Synth", "TestSupport"]),
    ]
)
