@testable import Refine
import Tensor
import XCTest

final class TrainingPatchTests: XCTestCase {
    func testWindowsStayInTheCropAndCentreOnTheRegion() {
        let n = 64, side = 32
        // Region: a 10×6 box near the top-left corner, so windows must be clamped.
        var region = [Float](repeating: 0, count: n * n)
        for y in 2..<8 { for x in 3..<13 { region[y * n + x] = 1 } }
        var random = SplitMix64(seed: 7)
        var corners = Set<[Int]>()
        for _ in 0..<200 {
            let p = TrainingPatch.draw(in: region, n: n, side: side, using: &random)
            XCTAssertEqual(p.side, side)
            XCTAssertTrue((0...(n - side)).contains(p.x) && (0...(n - side)).contains(p.y))
            // Every window holds part of the region (its centre was drawn inside the region's box).
            XCTAssertGreaterThan(p.cut(region, width: n).reduce(0, +), 0)
            corners.insert([p.x, p.y])
        }
        XCTAssertEqual(corners, [[0, 0]], "a region in the corner puts every window against the crop's edge")

        var middle = [Float](repeating: 0, count: n * n)
        for y in 20..<44 { for x in 20..<44 { middle[y * n + x] = 1 } }
        let drawn = (0..<200).map { _ in TrainingPatch.draw(in: middle, n: n, side: side, using: &random) }
        XCTAssertGreaterThan(Set(drawn.map(\.x)).count, 10, "windows move about the region")
        XCTAssertTrue(drawn.allSatisfy { (4...28).contains($0.x) && (4...28).contains($0.y) })
    }

    func testCutMatchesAPixelByPixelCopy() {
        let w = 20
        var image = Image8(width: w, height: w, channels: 3)
        for i in image.pixels.indices { image.pixels[i] = UInt8(truncatingIfNeeded: i * 7) }
        let plane = (0..<(w * w)).map { Float($0) }
        let p = TrainingPatch(x: 5, y: 9, side: 8)
        let cut = p.cut(image), values = p.cut(plane, width: w)
        for y in 0..<8 {
            for x in 0..<8 {
                for c in 0..<3 { XCTAssertEqual(cut.pixels[(y * 8 + x) * 3 + c], image.pixels[((y + 9) * w + x + 5) * 3 + c]) }
                XCTAssertEqual(values[y * 8 + x], plane[(y + 9) * w + x + 5])
            }
        }
    }
}
