import Tensor
import XCTest

final class SplitMix64Tests: XCTestCase {
    /// The first outputs from state 0 of Vigna's reference splitmix64.c (the widely quoted test
    /// vector; a Python line reproduces it: s += γ; z = s; z = (z ^ z>>30)·c1; z = (z ^ z>>27)·c2; z ^ z>>31).
    func testStateZeroGivesTheReferenceSequence() {
        var random = SplitMix64(state: 0)
        XCTAssertEqual(random.next(), 16_294_208_416_658_607_535)
        XCTAssertEqual(random.next(), 7_960_286_522_194_355_700)
        XCTAssertEqual(random.next(), 487_617_019_471_545_679)
    }

    func testStreamsAndIndicesAreIndependentAndRepeat() {
        var a = SplitMix64(seed: 7, stream: 1), b = SplitMix64(seed: 7, stream: 2), c = SplitMix64(seed: 7, stream: 1)
        let first = (0..<4).map { _ in a.next() }
        XCTAssertNotEqual(first, (0..<4).map { _ in b.next() })
        XCTAssertEqual(first, (0..<4).map { _ in c.next() })
        var u = SplitMix64(seed: 3)
        for _ in 0..<1000 {
            let x = u.uniform()
            XCTAssert(x >= 0 && x < 1)
        }
    }
}
