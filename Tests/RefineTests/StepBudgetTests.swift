import Refine
import XCTest

final class StepBudgetTests: XCTestCase {
    /// The budget follows the clip: steps grow linearly with its frames once past the epoch floor,
    /// and a short clip gets the floor, not a share too small to fit.
    func testStepsFollowTheClipAboveTheFloor() {
        var options = RefineOptions()
        options.visits = 3.2
        options.epochs = 20
        let steps = { (frames: Int) in StepBudget.stepsPerEpoch(options, frames: frames) * options.epochs }
        XCTAssertEqual(steps(250), 800, "the floor's own size")
        XCTAssertEqual(steps(300), 960)
        XCTAssertEqual(steps(750), 2400)
        XCTAssertEqual(steps(32), StepBudget.minimumStepsPerEpoch * 20, "a short clip gets the floor")
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 301), 49, "a part step counts whole")
        options.visits = 10
        XCTAssertEqual(steps(250), 2500)
    }

    /// The floor is one of compute: a crop under the cap (`--size`) gets as many pixels × steps
    /// as a cap-sized one (Ewon_Spice_2's 128² face missed its swap's identity at 800 steps and
    /// kept it at 2000), at most 4× the floor; the cap's own crop, or a smaller cap, keeps 40 an
    /// epoch; the visits' share is not scaled.
    func testTheFloorCountsPixelsTimesSteps() {
        var options = RefineOptions()
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 100), 40, "no crop side: the cap's")
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 100, cropSide: 256), 40)
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 100, cropSide: 128), 160)
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 100, cropSide: 224), 53, "40 × 256²/224² = 52.2, rounded up")
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 100, cropSide: 64), 160, "at most 4× the floor")
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 3000, cropSide: 128), 480, "above the floor the clip's share rules")
        options.size = 64
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 100, cropSide: 64), 40, "--size 64: a 64² crop is the cap's")
        options.size = 256
        options.framesPerEpoch = 64
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 300, cropSide: 128), 64, "an explicit epoch is not scaled")
    }

    /// An explicit --frames-per-epoch keeps its meaning: 0 is the clip once, N is capped at it.
    func testExplicitFramesPerEpochOverrideTheBudget() {
        var options = RefineOptions()
        options.framesPerEpoch = 0
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 37), 37)
        options.framesPerEpoch = 64
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 37), 37)
        XCTAssertEqual(StepBudget.stepsPerEpoch(options, frames: 300), 64)
        options.framesPerEpoch = 3
        XCTAssertFalse(options.problems().isEmpty)
    }
}

final class CropSizeTests: XCTestCase {
    func boxes(_ sides: [Double]) -> [CropBox] { sides.map { CropBox(x: 100, y: 100, side: $0) } }

    /// A face whose crops span ~150 px trains at 160², not at the 256 cap; one outsized box (5 %
    /// of the clip) does not set the size; a big face is capped; levels set the multiple.
    func testTheCropFollowsTheFacesOwnResolution() {
        let small = CropSize.resolve(boxes: boxes(Array(repeating: 150, count: 40)), cap: 256, levels: 5)
        XCTAssertEqual(small.side, 160)
        XCTAssertEqual(small.nativeSide, 150)
        XCTAssertTrue(small.reason.contains("150 px"), small.reason)
        let outlier = CropSize.resolve(boxes: boxes(Array(repeating: 150, count: 39) + [400]), cap: 256, levels: 5)
        XCTAssertEqual(outlier.side, 160, "one box in 40 is above the 95th percentile")
        let big = CropSize.resolve(boxes: boxes(Array(repeating: 600, count: 10)), cap: 256, levels: 5)
        XCTAssertEqual(big.side, 256)
        XCTAssertTrue(big.reason.contains("capped"), big.reason)
        XCTAssertEqual(CropSize.resolve(boxes: boxes([150]), cap: 512, levels: 6).side, 192, "a multiple of 64")
        XCTAssertEqual(CropSize.resolve(boxes: boxes([20]), cap: 256, levels: 3).side, 64, "at least 64")
        XCTAssertEqual(CropSize.resolve(boxes: boxes([224]), cap: 256, levels: 5).side, 224, "already a multiple")
    }
}
