import Foundation
import Media
import Tensor
import TestSupport
import XCTest

final class ProbeCLITests: XCTestCase {
    /// Each bad input: exit 3, one line on stderr naming the file, nothing on stdout, nothing written.
    func testBadInputsExitThreeWithOneLineAndLeaveNothingBehind() throws {
        let dir = try TempDirectory()
        let good = dir.file("good.mp4")
        let writer = try VideoWriter(path: good, width: 64, height: 64, options: .init(encoding: .h264(crf: 20, preset: "ultrafast")))
        for i in 0..<10 { try writer.write(Image8(width: 64, height: 64, channels: 3, fill: UInt8(i * 20))) }
        try writer.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        _ = FileManager.default.createFile(atPath: dir.file("truncated.mp4"), contents: bytes.prefix(bytes.count * 2 / 3))
        // Index at the front (as web-ready files have it): opens fine, the frames are cut off.
        try ffmpeg(["-i", good, "-c", "copy", "-movflags", "+faststart", dir.file("faststart.mp4")])
        let front = try Data(contentsOf: URL(fileURLWithPath: dir.file("faststart.mp4")))
        _ = FileManager.default.createFile(atPath: dir.file("cut-faststart.mp4"), contents: front.prefix(front.count * 2 / 3))
        try FileManager.default.removeItem(atPath: dir.file("faststart.mp4"))
        _ = FileManager.default.createFile(atPath: dir.file("random.mp4"),
                                       contents: Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }))
        _ = FileManager.default.createFile(atPath: dir.file("empty.mp4"), contents: Data())
        try FileManager.default.createDirectory(atPath: dir.file("folder.mp4"), withIntermediateDirectories: false)
        let before = dir.contents()

        for name in ["truncated.mp4", "cut-faststart.mp4", "random.mp4", "empty.mp4", "folder.mp4", "missing.mp4"] {
            for extra in [[], ["--format", "json"], ["--json"], ["--count-frames"]] {
                let result = try nicer(["probe", dir.file(name)] + extra, in: dir.path)
                XCTAssertEqual(result.status, 3, "\(name) \(extra): \(result.stderr)")
                let lines = result.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "\(name): \(result.stderr)")
                XCTAssertTrue(result.stderr.hasPrefix("nicer: error: ") && result.stderr.contains(name), result.stderr)
                XCTAssertEqual(result.stdout, "")
            }
        }
        XCTAssertEqual(dir.contents(), before)
    }

    func testProbeReportsTheTruthAsTextAndJSON() throws {
        let dir = try TempDirectory()
        let path = dir.file("clip.mp4")
        let writer = try VideoWriter(path: path, width: 48, height: 32,
                                     options: .init(encoding: .h264(crf: 20, preset: "ultrafast"), fps: Rational(30000, 1001)))
        for i in 0..<12 { try writer.write(Image8(width: 48, height: 32, channels: 3, fill: UInt8(i * 10))) }
        try writer.finish()

        let text = try nicer(["probe", path])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("48x32"), text.stdout)
        XCTAssertTrue(text.stdout.contains("30000/1001"), text.stdout)
        XCTAssertTrue(text.stdout.contains("audio:     none"), text.stdout)

        let json = try nicer(["probe", path, "--format", "json", "--count-frames"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let info = try JSONDecoder().decode(VideoInfo.self, from: Data(json.stdout.utf8))
        XCTAssertEqual(info.width, 48)
        XCTAssertEqual(info.frameCount, 12)
        XCTAssertEqual(info.frameCountSource, .decoded)
        XCTAssertEqual(info.fps, Rational(30000, 1001))
    }

    func testUsageErrorsExitTwoAndHelpExitsZero() throws {
        let unknown = try nicer(["probe", "--no-such-flag", "x.mp4"])
        XCTAssertEqual(unknown.status, 2, unknown.stderr)
        let missing = try nicer(["probe"])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        let nothing = try nicer(["frobnicate"])
        XCTAssertEqual(nothing.status, 2, nothing.stderr)
        // One spelling of the output choice: --format, with the values each command writes.
        for args in [["probe", "x.mp4", "--format", "csv"], ["probe", "x.mp4", "--format", "yaml"], ["stab", "x.mp4", "--reference", "y.mp4", "--format", "yaml"],
                     ["bench", "train", "--format", "csv"]] {
            let refused = try nicer(args)
            XCTAssertEqual(refused.status, 2, "\(args): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains("--format"), refused.stderr)
        }
        let help = try nicer(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("Exit status"), help.stdout)
        for command in ["probe", "synth", "bench"] {
            XCTAssertTrue(help.stdout.contains(command), "help does not list \(command)")
        }
    }

    /// `bench train --by-layer` names each layer in the breakdown; without it, only kinds.
    func testBenchTrainBreaksTimeDownByLayer() throws {
        let arguments = ["bench", "train", "--size", "16", "--steps", "1", "--levels", "2", "--base", "4"]
        let byKind = try nicer(arguments)
        XCTAssertEqual(byKind.status, 0, byKind.stderr)
        XCTAssertTrue(byKind.stdout.contains("Conv2d forward"), byKind.stdout)
        XCTAssertFalse(byKind.stdout.contains("enc0.conv1"), byKind.stdout)
        let byLayer = try nicer(arguments + ["--by-layer"])
        XCTAssertEqual(byLayer.status, 0, byLayer.stderr)
        XCTAssertTrue(byLayer.stdout.contains("Conv2d forward enc0.conv1"), byLayer.stdout)
        XCTAssertTrue(byLayer.stdout.contains("Conv2d backward out"), byLayer.stdout)
    }

    /// OPENBLAS_NUM_THREADS holds the convolution's workers to that count too, so runs side by
    /// side can take one core each.
    func testOpenBLASThreadCountHoldsTheWorkers() throws {
        let one = try runProcess(try nicerPath(), ["bench", "train", "--size", "16", "--steps", "1", "--levels", "2", "--base", "4"],
                                 environment: ["OPENBLAS_NUM_THREADS": "1"])
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stdout.contains("1 thread(s), 1 convolution worker(s)"), one.stdout)
    }
}
