import Media
import Refine
import XCTest

final class PairCheckTests: XCTestCase {
    /// A 32×32 thumbnail of a scene: a bright disc (the face) on a slope, `shift` columns along
    /// a scene twice as wide (the other half of a side-by-side capture when shift = 32).
    func scene(shift: Int = 0, face: Float = 0.8) -> [Float] {
        (0..<1024).map { k in
            let x = Float(k % 32 + shift), y = Float(k / 32)
            let inFace = (x - 12) * (x - 12) + (y - 14) * (y - 14) < 64
            return inFace ? face : 0.2 + 0.4 * sin(x / 5) * cos(y / 7)
        }
    }

    /// A swap (the face changed) correlates with its target; another part of the scene does
    /// not; a flat frame gives no verdict.
    func testASwapCorrelatesAndAnotherPictureDoesNot() throws {
        let target = scene()
        XCTAssertGreaterThan(try XCTUnwrap(PairCheck.correlation(target, scene(face: 0.5))), 0.8)
        XCTAssertLessThan(try XCTUnwrap(PairCheck.correlation(target, scene(shift: 32))), 0.5)
        XCTAssertNil(PairCheck.correlation(target, [Float](repeating: 0.3, count: 1024)))
        XCTAssertEqual(PairCheck.median([0.9, nil, 0.1, 0.5]), 0.5)
        XCTAssertEqual(PairCheck.median([0.9, 0.1, 0.5, 0.7]), 0.6)
        XCTAssertNil(PairCheck.median([nil, nil]))
    }

    /// The pair is refused below the minimum, naming both files and the way round; 0 turns the
    /// check off; flat clips pass (nothing to judge by).
    func testAPairBelowTheMinimumIsRefused() {
        XCTAssertNoThrow(try PairCheck.check([0.9, 0.95, nil], minimum: 0.5, target: "t.mp4", proxy: "p.mp4"))
        XCTAssertThrowsError(try PairCheck.check([-0.1, 0.2, 0.9], minimum: 0.5, target: "t.mp4", proxy: "p.mp4")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("t.mp4") && text.contains("p.mp4") && text.contains("r = 0.20") && text.contains("--pair-correlation 0"), text)
        }
        XCTAssertNoThrow(try PairCheck.check([-0.1, 0.2], minimum: 0, target: "t.mp4", proxy: "p.mp4"))
        XCTAssertNoThrow(try PairCheck.check([nil, nil], minimum: 0.5, target: "t.mp4", proxy: "p.mp4"))
    }
}
