import Refine
import XCTest

final class SwapKeptTests: XCTestCase {
    func pixels(_ v: UInt8, _ n: Int = 4) -> [UInt8] { Array(repeating: v, count: 3 * n) }

    /// The RMS of the refined video's change from the target over the swap's, in the mask only;
    /// a refined face a quarter of the way from the original to the swap is warned of.
    func testRatioOfChangesInTheMaskAndTheWarningBelowHalf() throws {
        var kept = SwapKept()
        XCTAssertNil(kept.ratio)
        kept.add(target: pixels(100), proxy: pixels(140), refined: pixels(120), mask: [1, 1, 0, 0])
        XCTAssertEqual(try XCTUnwrap(kept.ratio), 0.5, accuracy: 1e-12)
        XCTAssertNil(SwapKept.warning(kept.ratio), "0.5 is not below the line")
        var far = SwapKept()
        // Outside the mask the refined video may differ at will.
        far.add(target: pixels(100), proxy: pixels(140), refined: [110, 110, 110, 110, 110, 110, 0, 0, 0, 255, 255, 255], mask: [1, 1, 0, 0])
        XCTAssertEqual(try XCTUnwrap(far.ratio), 0.25, accuracy: 1e-12)
        XCTAssertTrue(SwapKept.warning(far.ratio)?.contains("25 %") == true)
        var none = SwapKept()
        none.add(target: pixels(100), proxy: pixels(100), refined: pixels(90), mask: nil)
        XCTAssertNil(none.ratio, "nothing swapped: no ratio")
    }
}
