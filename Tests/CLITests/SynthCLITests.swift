import Foundation
import Media
import Synth
import TestSupport
import XCTest

final class SynthCLITests: XCTestCase {
    func testSynthWritesTheClipAndProbeReadsIt() throws {
        let dir = try TempDirectory()
        let run = try nicer(["synth", dir.file("clip"), "--seed", "4", "--frames", "8", "--size", "64x48",
                             "--faults", "none,blocks=0.5"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let manifest = try Manifest.load(from: dir.file("clip/manifest.json"))
        XCTAssertEqual(manifest.config, TestBedConfig(seed: 4, frames: 8, width: 64, height: 48,
                                                      faults: FaultStrengths(pump: 0, jitter: 0, mouth: 0, eyes: 0, blocks: 0.5)))
        for video in [manifest.files.target, manifest.files.gt, manifest.files.proxy] {
            let probe = try nicer(["probe", dir.file("clip/" + video), "--format", "json", "--count-frames"])
            XCTAssertEqual(probe.status, 0, probe.stderr)
            let info = try JSONDecoder().decode(VideoInfo.self, from: Data(probe.stdout.utf8))
            XCTAssertEqual([info.width, info.height, info.frameCount], [64, 48, 8])
        }
    }

    /// H.264 output does not depend on what the heap held: x264's macroblock tree read
    /// uninitialised memory, so the same clip encoded differently under another MALLOC_PERTURB_
    /// (and from run to run); every figure measured on a written video must reproduce.
    func testH264OutputIsTheSameWhateverTheHeapHeld() throws {
        let dir = try TempDirectory()
        var digests: [Data] = []
        for perturb in ["85", "170"] {
            let out = dir.file("p\(perturb)")
            let run = try runProcess(try nicerPath(), ["synth", out, "--seed", "5", "--frames", "12", "--size", "160x120", "--quiet"],
                                     environment: ["MALLOC_PERTURB_": perturb])
            XCTAssertEqual(run.status, 0, run.stderr)
            digests.append(try Data(contentsOf: URL(fileURLWithPath: out + "/proxy.mp4")))
        }
        XCTAssertEqual(digests[0], digests[1])
    }

    func testBadOptionsAreUsageErrorsAndWriteNothing() throws {
        let dir = try TempDirectory()
        for arguments in [["--size", "10x10"], ["--faults", "teeth=2"], ["--frames", "1"], ["--fault-scale", "-1"], []] {
            let needsSeed = arguments.isEmpty ? [] : ["--seed", "1"]
            let result = try nicer(["synth", dir.file("clip")] + needsSeed + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.stderr)")
            XCTAssertEqual(dir.contents(), [], "\(arguments) left files behind")
        }
    }

    func testExistingFolderNeedsForce() throws {
        let dir = try TempDirectory()
        let common = ["synth", dir.file("clip"), "--seed", "2", "--frames", "2", "--size", "32x32", "--quiet"]
        XCTAssertEqual(try nicer(common).status, 0)
        let again = try nicer(common)
        XCTAssertEqual(again.status, 2, again.stderr)
        XCTAssertTrue(again.stderr.contains("--force"), again.stderr)
        XCTAssertEqual(try nicer(common + ["--force"]).status, 0)
    }
}
