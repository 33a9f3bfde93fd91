import Refine
import Tensor
import XCTest

/// The crop follows the face, smoothed, and holds still while the face does.
final class CropTrackTests: XCTestCase {
    /// Regression (Natasha_Former_0's repeated frames): a head that does not move, detected with
    /// a detector's sub-pixel jitter, gets one crop box, so the network sees the same crop and the
    /// refined frames repeat as the target's do. Smoothed alone, the box drifted from frame to frame.
    func testAStillHeadKeepsOneBox() throws {
        let jitter = [0.0, 0.4, -0.3, 0.2, -0.4, 0.3, 0.1, -0.2, 0.4, -0.1]
        let raw = jitter.map { Optional(CropBox(x: 100 + $0, y: 80 - $0, side: 60 + $0)) }
        let held = try XCTUnwrap(CropTrack.smooth(raw, sigma: 3, segments: [0..<10]))
        XCTAssertEqual(Set(held.map { [$0.x, $0.y, $0.side] }).count, 1, "one box for the still head")
        let drifting = try XCTUnwrap(CropTrack.smooth(raw, sigma: 3, segments: [0..<10], hold: 0))
        XCTAssertGreaterThan(Set(drifting.map { [$0.x, $0.y, $0.side] }).count, 1, "smoothed alone, the box drifts")
    }

    func testAMovingHeadIsFollowedWithinTheHold() throws {
        let raw = (0..<30).map { Optional(CropBox(x: 100 + 0.6 * Double($0), y: 80, side: 60)) }
        let boxes = try XCTUnwrap(CropTrack.smooth(raw, sigma: 1, segments: [0..<30]))
        XCTAssertLessThan(Set(boxes.map(\.x)).count, 30, "held between steps")
        // Away from the segment's ends (where the smoothing window is cut), within a pixel of the face.
        for t in 3..<27 { XCTAssertEqual(boxes[t].x, 100 + 0.6 * Double(t), accuracy: CropTrack.hold) }
    }

    /// Regression (Natasha_Former_0): a repeated frame keeps the box of the frame it repeats even
    /// while the face around it moves; held by the pixel rule alone, the box jumped on 4 of the
    /// 15 repeats, and those pairs flickered 5× the target there.
    func testARepeatedFrameKeepsTheBoxOfTheFrameItRepeats() throws {
        let raw = (0..<12).map { Optional(CropBox(x: 100 + 2 * Double($0), y: 80, side: 60)) }
        var still = [Bool](repeating: false, count: 12)
        still[5] = true
        still[6] = true
        let boxes = try XCTUnwrap(CropTrack.smooth(raw, sigma: 1, segments: [0..<12], still: still))
        XCTAssertEqual(boxes[5].x, boxes[4].x)
        XCTAssertEqual(boxes[6].x, boxes[4].x)
        XCTAssertEqual(boxes[7].x, 114, accuracy: CropTrack.hold, "moves on with the face after the repeats")
    }

    func testStillFramesAreThoseWithHardlyAPixelChanged() {
        var a = Image8(width: 100, height: 100, channels: 3)
        for i in a.pixels.indices { a.pixels[i] = UInt8(i % 200) }
        var noisy = a, moved = a
        for i in stride(from: 0, to: noisy.pixels.count, by: 7) { noisy.pixels[i] &+= 5 }  // coding noise under the level
        for i in 0..<300 { moved.pixels[i * 3 + 1] &+= 20 }
        XCTAssertEqual(CropTrack.changedPixels(a, noisy), 0)
        XCTAssertEqual(CropTrack.changedPixels(a, moved), 300)
        let box = CropBox(x: 50, y: 50, side: 100)  // 10 000 px: still under 10 changed
        XCTAssertEqual(CropTrack.stillFrames(changedPixels: [Int.max, 0, 9, 300], boxes: [box, box, box, nil]), [false, true, true, false])
    }

    func testACutIsNotSmoothedAcross() throws {
        let raw = (0..<20).map { Optional(CropBox(x: $0 < 10 ? 100 : 300, y: 80, side: 60)) }
        let boxes = try XCTUnwrap(CropTrack.smooth(raw, sigma: 3, segments: [0..<10, 10..<20]))
        XCTAssertEqual(boxes[9].x, 100, accuracy: 1e-9)
        XCTAssertEqual(boxes[10].x, 300, accuracy: 1e-9)
    }
}
