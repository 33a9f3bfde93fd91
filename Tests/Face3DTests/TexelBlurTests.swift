import Face3D
import TestSupport
import XCTest

/// The normalised box over valid texels: the spanning window's direct mean against the box sums,
/// and each adjoint against ⟨B v, g⟩ = ⟨v, Bᵀ g⟩.
final class TexelBlurTests: XCTestCase {
    /// A ragged set of valid texels on a 12² grid (a disc with holes) and random values on them.
    static func texels(side: Int) -> (indices: [Int], values: [Double], other: [Double]) {
        var random = TestRandom(seed: 9)
        let indices = (0..<(side * side)).filter { i in
            let x = Double(i % side) - 5.5, y = Double(i / side) - 4.5
            return x * x + y * y < 30 && i % 7 != 3
        }
        return (indices, indices.map { _ in Double(random.next()) }, indices.map { _ in Double(random.next()) })
    }

    func testSpanningWindowIsTheMeanOfTheBoxSums() {
        let side = 12
        let (indices, values, _) = Self.texels(side: side)
        for radius in [side - 1, side + 20] {
            let blur = TexelBlur(side: side, radius: radius, indices: indices)
            XCTAssertTrue(blur.spansGrid)
            let direct = blur.apply(values), reference = blur.applyByBox(values)
            let mean = values.reduce(0, +) / Double(values.count)
            for k in values.indices {
                XCTAssertEqual(direct[k], reference[k], accuracy: 1e-12)
                XCTAssertEqual(direct[k], mean, accuracy: 1e-12)
            }
            let backward = blur.adjoint(values), backwardReference = blur.adjointByBox(values)
            for k in values.indices { XCTAssertEqual(backward[k], backwardReference[k], accuracy: 1e-12) }
        }
        // A window that does not reach across the disc: the blur varies over it.
        let short = TexelBlur(side: side, radius: 2, indices: indices)
        XCTAssertFalse(short.spansGrid)
        let blurred = short.apply(values)
        XCTAssertGreaterThan(blurred.max()! - blurred.min()!, 1e-6)
    }

    func testAdjointsMatchTheInnerProduct() {
        let side = 12
        let (indices, v, g) = Self.texels(side: side)
        for radius in [0, 2, 6, side - 1] {
            let blur = TexelBlur(side: side, radius: radius, indices: indices)
            let forward = zip(blur.apply(v), g).map { $0 * $1 }.reduce(0, +)
            let backward = zip(v, blur.adjoint(g)).map { $0 * $1 }.reduce(0, +)
            XCTAssertEqual(forward, backward, accuracy: 1e-12, "radius \(radius)")
        }
        // Radius 0 is the identity on valid texels.
        XCTAssertEqual(TexelBlur(side: side, radius: 0, indices: indices).apply(v), v)
    }
}
