import Media
import Refine
import XCTest

/// refined.mp4's coding: a little finer than the finer input, within CRF 1…16, 4:4:4 where an input
/// has full-resolution colour; or as asked.
final class OutputQualityTests: XCTestCase {
    func coded(p: Double, codec: String = "h264") -> CodingQuality {
        CodingQuality(codec: codec, frames: 10, meanQuantiser: p + 3, meanQuantiserByType: ["I": p - 1, "P": p, "B": p + 6])
    }

    func resolve(crf: Int? = nil, chroma: Bool? = nil, target: CodingQuality?, proxy: CodingQuality?,
                 fullChroma: (target: Bool, proxy: Bool) = (false, false)) -> OutputQuality {
        OutputQuality.resolve(requestedCRF: crf, requestedFullChroma: chroma, target: (target, fullChroma.target), proxy: (proxy, fullChroma.proxy))
    }

    func testAutoCodesFinerThanTheFinerInput() {
        // A DeepFaceLive swap at about CRF 12 and its original: 2 finer.
        XCTAssertEqual(resolve(target: coded(p: 12.4), proxy: coded(p: 12.3)).crf, 10)
        // The finer of the two decides, whichever it is.
        let finerTarget = resolve(target: coded(p: 9.2), proxy: coded(p: 20))
        XCTAssertEqual(finerTarget.crf, 7)
        XCTAssertTrue(finerTarget.reason.contains("the target is coded at about CRF 9.2"), finerTarget.reason)
        // FF++'s c23 swaps: never coarser than 16.
        XCTAssertEqual(resolve(target: coded(p: 24), proxy: coded(p: 24)).crf, OutputQuality.ceiling)
        // Never lossless (High 4:4:4, which browsers do not play).
        XCTAssertEqual(resolve(target: nil, proxy: coded(p: 0.5)).crf, OutputQuality.floor)
    }

    func testUnknownCodingFallsBackToTheCeilingAndAGivenCRFWins() {
        XCTAssertEqual(resolve(target: nil, proxy: nil).crf, OutputQuality.ceiling)
        // Another codec's quantisers are on another scale: not compared with x264's.
        XCTAssertEqual(resolve(target: nil, proxy: coded(p: 100, codec: "vp9")).crf, OutputQuality.ceiling)
        let asked = resolve(crf: 20, target: coded(p: 5), proxy: coded(p: 5))
        XCTAssertEqual(asked.crf, 20)
        XCTAssertTrue(asked.reason.hasPrefix("CRF 20 (--crf)"), asked.reason)
    }

    func testFullResolutionColourIsKeptWhenEitherInputHasIt() {
        XCTAssertFalse(resolve(target: nil, proxy: nil).fullChroma)
        XCTAssertTrue(resolve(target: nil, proxy: nil, fullChroma: (false, true)).fullChroma)
        XCTAssertTrue(resolve(target: nil, proxy: nil, fullChroma: (true, false)).fullChroma)
        XCTAssertFalse(resolve(chroma: false, target: nil, proxy: nil, fullChroma: (true, true)).fullChroma)
        XCTAssertTrue(resolve(chroma: true, target: nil, proxy: nil).fullChroma)
        // An odd side: the writer codes 4:4:4 whatever was asked, and the report says why.
        let odd = OutputQuality.resolve(requestedCRF: nil, requestedFullChroma: false, evenSize: false, target: (nil, false), proxy: (nil, false))
        XCTAssertTrue(odd.fullChroma)
        XCTAssertTrue(odd.reason.contains("odd"), odd.reason)
    }
}
