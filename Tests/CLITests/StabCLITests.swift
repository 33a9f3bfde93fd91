import Foundation
import Media
import Synth
import TestSupport
import XCTest

final class StabCLITests: XCTestCase {
    func testStabPrintsJSONAndCSVForASynthClip() throws {
        let dir = try TempDirectory()
        let clip = dir.file("clip")
        XCTAssertEqual(try nicer(["synth", clip, "--seed", "7", "--frames", "6", "--size", "64x64", "--quiet"]).status, 0)
        let json = try nicer(["stab", clip + "/proxy.mp4", "--reference", clip + "/target.mp4", "--mask", clip + "/masks",
                              "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((object["frames"] as? [Any])?.count, 5)
        XCTAssertGreaterThan(object["mean"] as? Double ?? 0, 0)
        let csv = try nicer(["stab", clip + "/gt.mp4", "--reference", clip + "/target.mp4", "--mask-from", clip + "/proxy.mp4",
                             "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        XCTAssertEqual(csv.stdout.split(separator: "\n").count, 6, csv.stdout)
        XCTAssertTrue(csv.stdout.hasPrefix("frame,e_stab\n1,"))
    }

    func testMismatchedInputsExitThree() throws {
        let dir = try TempDirectory()
        XCTAssertEqual(try nicer(["synth", dir.file("a"), "--seed", "1", "--frames", "4", "--size", "64x64", "--quiet"]).status, 0)
        XCTAssertEqual(try nicer(["synth", dir.file("b"), "--seed", "1", "--frames", "5", "--size", "64x64", "--quiet"]).status, 0)
        let result = try nicer(["stab", dir.file("a/proxy.mp4"), "--reference", dir.file("b/target.mp4")])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("4") && result.stderr.contains("5"), result.stderr)
        let both = try nicer(["stab", dir.file("a/proxy.mp4"), "--reference", dir.file("a/target.mp4"), "--mask", "x", "--mask-from", "y"])
        XCTAssertEqual(both.status, 2)
        let missing = try nicer(["stab", dir.file("nope.mp4"), "--reference", dir.file("a/target.mp4")])
        XCTAssertEqual(missing.status, 3)
    }
}
