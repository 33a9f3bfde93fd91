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
            let probe = try nicer(["probe", dir.file("clip/" + video), "--json", "--count-frames"])
            XCTAssertEqual(probe.status, 0, probe.stderr)
            let info = try JSONDecoder().decode(VideoInfo.self, from: Data(probe.stdout.utf8))
            XCTAssertEqual([info.width, info.height, info.frameCount], [64, 48, 8])
        }
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
