import Refine
@testable import Stability
import XCTest

final class IdentityKeptTests: XCTestCase {
    func testWarnsWhenTheRefinedFaceWentBackToTheOriginal() {
        // Cosines: refined~swap, refined~original, swap~original; the swap's consistency 0.995.
        XCTAssertNotNil(IdentityKept.warning(refinedSwap: 0.90, refinedTarget: 0.97, swapTarget: 0.88, swapConsistency: 0.995))
        // All the way back: the refined face is the original, as far from the swap as it is.
        XCTAssertNotNil(IdentityKept.warning(refinedSwap: 0.929, refinedTarget: 1, swapTarget: 0.929, swapConsistency: 0.995))
        // Emily_Winston_1 after two epochs (measured): nearer the swap.
        XCTAssertNil(IdentityKept.warning(refinedSwap: 0.983, refinedTarget: 0.941, swapTarget: 0.929, swapConsistency: 0.995))
        // The swap kept the original's identity (within 4× its own spread): not judged.
        XCTAssertNil(IdentityKept.warning(refinedSwap: 0.97, refinedTarget: 0.98, swapTarget: 0.985, swapConsistency: 0.995))
    }

    func testReadsTheFaceMeasuresByName() {
        func video(_ name: String, _ versus: [String: Double]) -> FaceMeasures {
            FaceMeasures(name: name, eyeConsistency: 0, mouthConsistency: 0, jitter: 0, identityConsistency: 0.995, identityVersus: versus,
                         identityToPhotos: nil)
        }
        let back = FaceComparisonReport(frames: 3, framesWithFace: 3, targetJitter: 0, videos: [
            video("swap", ["target": 0.88]), video("refined", ["swap": 0.90, "target": 0.97]),
        ])
        XCTAssertNotNil(IdentityKept.warning(back, proxyName: "swap"))
        XCTAssertNil(IdentityKept.warning(back, proxyName: "target"), "a proxy named target has no original's descriptors to compare")
        XCTAssertNil(IdentityKept.warning(nil, proxyName: "swap"))
        let kept = FaceComparisonReport(frames: 3, framesWithFace: 3, targetJitter: 0, videos: [
            video("swap", ["target": 0.88]), video("refined", ["swap": 0.97, "target": 0.90]),
        ])
        XCTAssertNil(IdentityKept.warning(kept, proxyName: "swap"))
    }
}
