import Flow
import XCTest

final class OcclusionTests: XCTestCase {
    func constant(_ u: Float, _ v: Float, _ w: Int = 12, _ h: Int = 10) -> FlowField {
        FlowField(width: w, height: h, u: [Float](repeating: u, count: w * h), v: [Float](repeating: v, count: w * h))
    }

    func testConsistentMotionIsVisibleAndInconsistentIsOccluded() {
        XCTAssertEqual(laiOcclusion(forward: constant(2, -1), backward: constant(-2, 1)).reduce(0, +), 0)
        // |fw + bw|² = 1.0 > 0.01·(5 + 0) + 0.5: the backward flow does not return.
        XCTAssertEqual(laiOcclusion(forward: constant(2, -1), backward: constant(-1, 1)).reduce(0, +), 120)
        // Just inside the tolerance: |fw + bw|² = 0.49 ≤ 0.01·(4 + 2.89) + 0.5.
        XCTAssertEqual(laiOcclusion(forward: constant(2, 0), backward: constant(-1.3, 0)).reduce(0, +), 0)
    }

    func testMotionBoundaryIsOccluded() {
        var fw = constant(0, 0), bw = constant(0, 0)
        for y in 0..<10 { for x in 6..<12 { fw.u[y * 12 + x] = 3; bw.u[y * 12 + x] = -3 } }
        let occ = laiOcclusion(forward: fw, backward: bw)
        for y in 0..<10 {
            XCTAssertEqual(occ[y * 12 + 5], 1, "column left of the edge (forward difference jumps)")
            XCTAssertEqual(occ[y * 12 + 2], 0)
            XCTAssertEqual(occ[y * 12 + 9], 0)
        }
    }

    func testWarpSamplesAtTheFlowTarget() {
        var image = GrayImage(width: 5, height: 4)
        for i in image.data.indices { image.data[i] = Float(i) }
        let warped = constant(1, 0, 5, 4).warp([image])[0]
        XCTAssertEqual(warped[2, 1], image[3, 1])
        XCTAssertEqual(warped[4, 1], image[4, 1], "border replicated")
        XCTAssertEqual(constant(0.5, 0, 5, 4).warp([image])[0][1, 2], 0.5 * (image[1, 2] + image[2, 2]))
    }
}

final class GradientTests: XCTestCase {
    func testSobelAndCentralDifferencesOnARamp() {
        var image = GrayImage(width: 6, height: 5)
        for y in 0..<5 { for x in 0..<6 { image[x, y] = Float(3 * x + 7 * y) } }
        let sobel = image.sobelGradients(), central = image.centralDifferences()
        XCTAssertEqual(sobel.x[2, 2], 3)
        XCTAssertEqual(sobel.y[2, 2], 7)
        XCTAssertEqual(central.x[2, 2], 6, "undivided: x[i+1] − x[i−1]")
        XCTAssertEqual(central.x[0, 2], 3, "one-sided at the replicated border")
        XCTAssertEqual(central.y[3, 4], 7)
        // A vertical step: Sobel weights the three rows 1:2:1.
        var step = GrayImage(width: 5, height: 5)
        for x in 3..<5 { step[x, 2] = 8 }
        XCTAssertEqual(step.sobelGradients().x[2, 2], 2, accuracy: 1e-6)  // (2·8)/4 across, halved
        XCTAssertEqual(step.sobelGradients().x[2, 1], 1, accuracy: 1e-6)
    }
}
