import Foundation
import TestSupport
import XCTest

/// The built `nicer` executable beside the test bundle.
func nicerPath() throws -> String {
    let bundle = Bundle.main.bundleURL
    for folder in [bundle, bundle.deletingLastPathComponent()] {
        let candidate = folder.appendingPathComponent("nicer").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestSupportError("nicer binary not found next to \(bundle.path); build it with swift build")
}

func nicer(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
    try runProcess(try nicerPath(), arguments, in: directory)
}

/// Refine options for a network small enough to fit a test clip in seconds.
let smallNetwork = ["--size", "64", "--levels", "3", "--width", "8", "--frames-per-epoch", "0"]

/// A lossless `nicer synth` clip in `dir/NAME` (target, proxy, masks, landmarks.json).
func synthClip(_ dir: TempDirectory, name: String = "clip", seed: Int, frames: Int, size: String = "64x64") throws -> String {
    let clip = dir.file(name)
    let made = try nicer(["synth", clip, "--seed", "\(seed)", "--frames", "\(frames)", "--size", size, "--lossless", "--quiet"])
    guard made.status == 0 else { throw TestSupportError("nicer synth failed: \(made.stderr)") }
    return clip
}
