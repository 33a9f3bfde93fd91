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
