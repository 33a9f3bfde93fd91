import Tensor
import TestSupport
import XCTest

final class GemmTests: XCTestCase {
    func testOpenBLASMatchesNaiveForEveryTransposeOnOddShapes() {
        var rng = TestRandom(seed: 7)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 31, 130)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = (0..<(m * k)).map { _ in rng.next() }
                    let b = (0..<(k * n)).map { _ in rng.next() }
                    let prior = (0..<(m * n)).map { _ in rng.next() }
                    var fast = prior, naive = prior
                    Gemm.multiply(m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB,
                                  c: &fast, alpha: 0.5, beta: 2)
                    Gemm.multiplyNaive(m: m, n: n, k: k, a: a, transposeA: transposeA, b: b,
                                       transposeB: transposeB, c: &naive, alpha: 0.5, beta: 2)
                    for i in 0..<(m * n) {
                        XCTAssertEqual(fast[i], naive[i], accuracy: 1e-4 * max(1, abs(naive[i])),
                                       "m\(m) n\(n) k\(k) tA \(transposeA) tB \(transposeB) at \(i)")
                    }
                }
            }
        }
    }

    func testNaiveReferenceComputesAKnownProduct() {
        // [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]
        var c = [Float](repeating: 0, count: 4)
        Gemm.multiplyNaive(m: 2, n: 2, k: 2, a: [1, 2, 3, 4], b: [5, 6, 7, 8], c: &c)
        XCTAssertEqual(c, [19, 22, 43, 50])
    }

    func testThreadCountCanBeSet() {
        let before = Gemm.threads
        Gemm.threads = 1
        XCTAssertEqual(Gemm.threads, 1)
        Gemm.threads = before
        XCTAssertTrue(Gemm.backend.contains("OpenBLAS"), Gemm.backend)
    }
}
