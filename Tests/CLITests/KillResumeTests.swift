import Foundation
import TestSupport
import XCTest

/// Refine killed outright (SIGKILL: no handler runs, as when a machine loses power) at points of
/// every stage, ten times in a row, resumed each time, ends with what an uninterrupted run makes.
final class KillResumeTests: XCTestCase {
    struct Report: Decodable {
        struct Segment: Decodable {
            struct Epoch: Decodable { let epoch: Int; let steps: Int; let resolution: Int; let loss: Double; let fidelity: Double? }
            let curve: [Epoch]
            let bestEpoch: Int
        }
        let segments: [Segment]
        let fidelity: Double
        let eStabRefined: Double
    }

    /// A small deterministic generator, so a failing sequence of kill points can be replayed.
    struct Draws {
        var state: UInt64
        mutating func next(_ range: Range<Int>) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int((state >> 33) % UInt64(range.count))
        }
    }

    func testTenKillsAtRandomPointsOfEveryStageEachResumedEndLikeAnUninterruptedRun() throws {
        let dir = try TempDirectory()
        let clip = try synthClip(dir, seed: 3, frames: 10)
        let args = ["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "--mask", clip + "/masks",
                    "--epochs", "8", "--fixed-epochs", "--features", "pixel", "--learning-rate", "1e-3"] + smallNetwork
        let whole = try nicer(args + ["-o", dir.file("whole")])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let reference = try decode(dir.file("whole/report.json"))
        let curve = reference.segments[0].curve
        let steps = curve[0].steps, coarse = curve.prefix { $0.resolution < curve.last!.resolution }.count
        XCTAssertGreaterThan(steps, 1)
        XCTAssertTrue(coarse >= 2 && curve.count - coarse >= 2, "half-size and full-size epochs both: \(curve.map(\.resolution))")

        // Points in the order a run reaches them, so each kill falls after the work the runs
        // before it kept: the crop pass, steps of the half-size and the full-size epochs, the
        // moment between an epoch's checkpoint and its state record, the write pass, scoring, the reports.
        var draws = Draws(state: 2026_12_08)
        let epochStep = { (epoch: Int) in epoch * steps + draws.next(0..<steps) }
        let points = [
            "crops:\(draws.next(0..<10))",
            "step:\(epochStep(0))",
            "checkpoint:\(1 + draws.next(1..<coarse))",
            "step:\(epochStep(coarse - 1))",
            "step:\(epochStep(coarse))",
            "checkpoint:\(coarse + 1 + draws.next(0..<(curve.count - coarse - 1)))",
            "step:\(epochStep(curve.count - 1))",
            "write:\(draws.next(0..<10))",
            "scoring:\(draws.next(0..<10))",
            "report:\(1 + draws.next(0..<2))",
        ]
        let out = dir.file("killed")
        for (k, point) in points.enumerated() {
            let killed = try runProcess(try nicerPath(), args + ["-o", out] + (k > 0 ? ["--resume"] : []), environment: ["NICER_KILL_AT": point])
            XCTAssertTrue(killed.signaled && killed.status == SIGKILL, "run \(k + 1) was to die at \(point): status \(killed.status), \(killed.stderr)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
            if point.hasPrefix("step") || point.hasPrefix("checkpoint") || point.hasPrefix("crops") {
                XCTAssertFalse(left.contains("refined.mp4"), "no video before the fit ends (\(point)): \(left)")
            }
        }
        let resumed = try nicer(args + ["-o", out, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        print("killed at " + points.joined(separator: ", ") + "; resumed: " + (resumed.stderr.split(separator: "\n").first.map(String.init) ?? ""))
        let after = try decode(out + "/report.json")
        XCTAssertEqual(after.segments[0].curve.map(\.epoch), curve.map(\.epoch))
        XCTAssertEqual(after.segments[0].bestEpoch, reference.segments[0].bestEpoch)
        for (a, b) in zip(curve, after.segments[0].curve) {
            XCTAssertEqual(a.loss, b.loss, accuracy: 1e-4 * abs(a.loss) + 1e-6, "epoch \(a.epoch)")
        }
        XCTAssertEqual(after.fidelity, reference.fidelity, accuracy: 0.01)
        XCTAssertEqual(after.eStabRefined, reference.eStabRefined, accuracy: 0.01 * reference.eStabRefined)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/refined.mp4")),
                       try Data(contentsOf: URL(fileURLWithPath: dir.file("whole/refined.mp4"))), "the same video, byte for byte")
        let everything = FileManager.default.enumerator(atPath: out)?.allObjects as? [String] ?? []
        XCTAssertFalse(everything.contains { $0.contains(".partial-") }, "the killed runs' temporaries are swept: \(everything)")
        let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { !$0.hasPrefix(".") }.sorted()
        XCTAssertEqual(files, try FileManager.default.contentsOfDirectory(atPath: dir.file("whole")).filter { !$0.hasPrefix(".") }.sorted())
    }

    func decode(_ path: String) throws -> Report {
        try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
