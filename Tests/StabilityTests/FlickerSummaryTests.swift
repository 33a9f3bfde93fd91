import Stability
import XCTest

/// The real-footage bar's figures from per-pair e_stab of target, swap and refined.
final class FlickerSummaryTests: XCTestCase {
    func testMediansShareRemovedAndPairsWorseThanBoth() {
        let target: [Double?] = [1, 1, 1, 1, nil], proxy: [Double?] = [3, 3, 3, 30, 3], refined: [Double?] = [2, 2, 1.4, 2, 9]
        let s = FlickerSummary(target: target, proxy: proxy, refined: refined)
        XCTAssertEqual(s.pairs, 4, "a pair missing in one video is not scored")
        XCTAssertEqual(s.proxy.median, 3)
        XCTAssertEqual(s.refined.median, 2)
        XCTAssertEqual(s.extraFlickerRemoved!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.pairsWorseThanBoth, 0)
        XCTAssertFalse(s.lessStableThanProxy)
        XCTAssertNil(s.warning)
    }

    func testARefinedVideoLessStableThanTheProxyIsFlagged() {
        let s = FlickerSummary(target: [1, 1, 1], proxy: [1, 1, 1], refined: [4, 1, 1])
        XCTAssertTrue(s.lessStableThanProxy, "by its mean, though its median equals the proxy's")
        XCTAssertEqual(s.pairsWorseThanBoth, 1.0 / 3, accuracy: 1e-12)
        XCTAssertNil(s.extraFlickerRemoved, "the swap flickers no more than the target")
        let close = FlickerSummary(target: [1, 1, 1], proxy: [1.05, 1.05, 1.05], refined: [1, 1, 1])
        XCTAssertNil(close.extraFlickerRemoved, "a swap under 1.1× the target's median: no share")
        XCTAssertTrue(s.warning!.contains("LESS stable"))
    }
}
