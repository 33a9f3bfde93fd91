import Refine
import XCTest

final class FrameScheduleTests: XCTestCase {
    /// Short epochs walk through shuffled passes: over any whole number of passes every frame is
    /// trained on equally often, consecutive epochs continue where the last stopped, and the same
    /// epoch asked twice (a resume) gives the same frames.
    func testShortEpochsVisitEveryFrameEquallyOften() {
        let frames = 50, steps = 20
        let epochs = (0..<5).map { FrameSchedule.epoch($0, steps: steps, frames: frames, seed: 7) }
        XCTAssertEqual(epochs.flatMap { $0 }.count, 100)
        var counts = [Int](repeating: 0, count: frames)
        for t in epochs.flatMap({ $0 }) { counts[t] += 1 }
        XCTAssertEqual(Set(counts), [2], "two whole passes")
        XCTAssertEqual(Set(epochs[0] + epochs[1] + epochs[2].prefix(10)), Set(0..<frames), "the first pass is a permutation")
        XCTAssertEqual(FrameSchedule.epoch(3, steps: steps, frames: frames, seed: 7), epochs[3])
        XCTAssertNotEqual(FrameSchedule.epoch(3, steps: steps, frames: frames, seed: 8), epochs[3])
        XCTAssertNotEqual(epochs[0], Array(0..<steps), "shuffled")
    }

    /// Epochs as long as the clip are one shuffled pass each.
    func testFullEpochsArePermutations() {
        for e in 0..<3 {
            let order = FrameSchedule.epoch(e, steps: 12, frames: 12, seed: 1)
            XCTAssertEqual(order.sorted(), Array(0..<12))
        }
        XCTAssertNotEqual(FrameSchedule.epoch(0, steps: 12, frames: 12, seed: 1), FrameSchedule.epoch(1, steps: 12, frames: 12, seed: 1))
    }
}

final class PlateauTests: XCTestCase {
    func testGainsCountOnlyAboveTheDeltaFromTheLastImprovement() {
        // 27.13 → 27.26 is the first gain above 0.1; 27.34 is only 0.08 above that, so the phase
        // has been flat for three epochs after index 3.
        let scores = [27.13, 27.14, 27.18, 27.26, 27.26, 27.34, 27.32]
        XCTAssertEqual(StopRule.Plateau.lastImprovement(scores, delta: 0.1), 3)
        XCTAssertTrue(StopRule.Plateau.reached(scores, patience: 3, delta: 0.1))
        XCTAssertFalse(StopRule.Plateau.reached(scores, patience: 4, delta: 0.1))
        // With delta 0 any better score counts: 27.34 at index 5.
        XCTAssertEqual(StopRule.Plateau.lastImprovement(scores, delta: 0), 5)
        XCTAssertFalse(StopRule.Plateau.reached(scores, patience: 3, delta: 0))
    }

    func testTheFinePhaseIsJudgedOnlyOnceSigmasRangeHasOpened() {
        // Defaults: 18 half-resolution epochs, σ from epoch 18 over 2 epochs → the plateau rule
        // starts at the third full-resolution epoch.
        XCTAssertEqual(UncertaintyRamp.openingEpochs(from: 18, start: 18, epochs: 2), 2)
        XCTAssertEqual(UncertaintyRamp.openingEpochs(from: 18, start: 18, epochs: 1.5), 2, "a part epoch counts whole")
        XCTAssertEqual(UncertaintyRamp.openingEpochs(from: 18, start: 18, epochs: 0), 0)
        // σ from mid-way through the half-resolution phase: open before the fine phase starts.
        XCTAssertEqual(UncertaintyRamp.openingEpochs(from: 18, start: 9, epochs: 2), 0)
        XCTAssertEqual(UncertaintyRamp.openingEpochs(from: 18, start: 17, epochs: 2), 1)
    }

    func testCreepingGainsAddUp() {
        // 0.06 dB per epoch never beats the previous epoch by 0.1, but beats the last improvement
        // every second epoch, so a steady climb never plateaus.
        let scores = (0..<12).map { 20 + 0.06 * Double($0) }
        XCTAssertFalse(StopRule.Plateau.reached(scores, patience: 3, delta: 0.1))
        XCTAssertEqual(StopRule.Plateau.lastImprovement(scores, delta: 0.1), 10)
    }

    func testEmptyAndSingleEpochs() {
        XCTAssertFalse(StopRule.Plateau.reached([], patience: 1, delta: 0))
        XCTAssertFalse(StopRule.Plateau.reached([5], patience: 1, delta: 0))
        XCTAssertTrue(StopRule.Plateau.reached([5, 4], patience: 1, delta: 0))
    }
}

/// Training schedules are functions of the step, so a resumed fit repeats them.
final class TrainingScheduleTests: XCTestCase {
    /// σ's range opens linearly over the ramp's steps from its first σ step, then stays full.
    func testUncertaintyRampOpensLinearlyFromTheSwitch() {
        let full = NICeLoss.logVarianceBound
        let limit = { (epoch: Int, step: Int) in UncertaintyRamp.limit(epoch: epoch, step: step, stepsPerEpoch: 64, start: 18, epochs: 2) }
        XCTAssertEqual(limit(18, 0), full / 128, accuracy: 1e-6)
        XCTAssertEqual(limit(18, 63), full / 2, accuracy: 1e-6)
        XCTAssertEqual(limit(19, 62), full * 127 / 128, accuracy: 1e-6)
        XCTAssertEqual(limit(19, 63), full)
        XCTAssertEqual(limit(25, 10), full)
        let opening = (18..<20).flatMap { e in (0..<64).map { limit(e, $0) } }
        XCTAssertEqual(opening, opening.sorted(), "never narrows")
        XCTAssertEqual(UncertaintyRamp.limit(epoch: 18, step: 0, stepsPerEpoch: 64, start: 18, epochs: 0), full, "no ramp")
    }
}
