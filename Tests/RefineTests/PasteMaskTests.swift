import Refine
import Tensor
import XCTest

/// The paste mask covers the swap's footprint, handing over at its edge, and nothing else: not the
/// face region where it reaches past the footprint, no coding speck, nothing at the crop's border.
final class PasteMaskTests: XCTestCase {
    func testCoversTheFootprintPastTheRegionWithAMarginAndDropsSpecks() {
        let n = 128
        func disk(_ cx: Double, _ cy: Double, _ r: Double) -> (Int, Int) -> Bool {
            { x, y in (Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy) <= r * r }
        }
        let face = disk(64, 64, 30), footprint = disk(64, 56, 42)
        var region = Image8(width: n, height: n, channels: 1), target = Image8(width: n, height: n, channels: 3)
        for i in 0..<(n * n * 3) { target.pixels[i] = UInt8(60 + (i / 3) % 7 * 10) }
        var proxy = target
        for y in 0..<n {
            for x in 0..<n {
                if face(x, y) { region.pixels[y * n + x] = 255 }
                if footprint(x, y) { for c in 0..<3 { proxy.pixels[(y * n + x) * 3 + c] &+= 40 } }
            }
        }
        // A coding speck of 2×2 pixels far from the face.
        for (x, y) in [(120, 120), (121, 120), (120, 121), (121, 121)] { proxy.pixels[(y * n + x) * 3] &+= 30 }
        let mask = PasteMask.make(region: region, target: target, proxy: proxy)
        var uncovered = 0, underHalf = 0
        for y in 0..<n {
            for x in 0..<n where footprint(x, y) {
                if mask.pixels[y * n + x] < 128 { underHalf += 1 }
                // n/16 px or more inside the footprint's edge (past the feather's reach): pasted in full.
                if disk(64, 56, 42 - Double(n / 16))(x, y) && mask.pixels[y * n + x] < 255 { uncovered += 1 }
            }
        }
        XCTAssertEqual(uncovered, 0, "the footprint's core is pasted in full")
        XCTAssertEqual(underHalf, 0, "the hand-over straddles the footprint's edge (\(underHalf) footprint pixels under half)")
        // Past the footprint's top edge (y = 14): fading 2 px past it; 12 px past (the closing's
        // spread, the n/48 growth and the n/16 feather together) all but gone.
        XCTAssertGreaterThan(mask.pixels[12 * n + 64], 0)
        XCTAssertLessThan(mask.pixels[2 * n + 64], 5, "12 px past the footprint's top edge")
        XCTAssertEqual(mask.pixels[(122 - 1) * n + 120], 0, "a speck of coding noise is not pasted")
        for k in 0..<n { XCTAssertLessThan(mask.pixels[k], 40, "faded out at the crop's border") }
        // No footprint at all (a frame the swapper missed): the region alone, grown.
        let alone = PasteMask.make(region: region, target: target, proxy: target)
        XCTAssertEqual(alone.pixels[64 * n + 64], 255)
        XCTAssertEqual(alone.pixels[6 * n + 64], 0, "the region reaches y = 34; grown, not to y = 6")
    }

    /// Regression (David_Kovalniy_0, where the landmark hull's forehead band covers a cap the
    /// swapper left alone): the region past the footprint stays the target, where the network
    /// reproduces the target's sharp edges only roughly. The mask united with the region grown by
    /// n/12 pasted it in full and the refined video flickered 2.1× the swap's median there.
    func testTheFaceRegionPastTheFootprintIsNotPasted() {
        let n = 128
        var region = Image8(width: n, height: n, channels: 1), target = Image8(width: n, height: n, channels: 3)
        for i in 0..<(n * n * 3) { target.pixels[i] = UInt8(60 + (i / 3) % 7 * 10) }
        var proxy = target
        for y in 0..<n {
            for x in 30..<98 {
                if (10..<110).contains(y) { region.pixels[y * n + x] = 255 }  // the hull with its forehead band
                if (50..<110).contains(y) { for c in 0..<3 { proxy.pixels[(y * n + x) * 3 + c] &+= 40 } }  // the swapped face
            }
        }
        let mask = PasteMask.make(region: region, target: target, proxy: proxy)
        XCTAssertEqual(mask.pixels[80 * n + 64], 255, "the swapped face")
        XCTAssertEqual(mask.pixels[30 * n + 64], 0, "the band above the footprint, inside the region")
    }

    /// Regression (Dean_Wiesel_0, whose swapper's outline jitters): a mask handing over at each
    /// frame's own footprint edge jitters with it. United over the neighbouring frames, the mask
    /// holds still where the outline moves back and forth, and pastes the band in full.
    func testAJitteringOutlineGetsOneSteadyMask() throws {
        let n = 128
        var target = Image8(width: n, height: n, channels: 3)
        for i in 0..<(n * n * 3) { target.pixels[i] = UInt8(60 + (i / 3) % 7 * 10) }
        let region = Image8(width: n, height: n, channels: 1)
        // The swapped face's left edge at x = 30 in even frames and x = 38 in odd ones.
        func footprint(_ t: Int) -> Image8 {
            var proxy = target
            for y in 20..<108 { for x in (t % 2 == 0 ? 30 : 38)..<98 { for c in 0..<3 { proxy.pixels[(y * n + x) * 3 + c] &+= 40 } } }
            return PasteMask.footprint(region: region, target: target, proxy: proxy)
        }
        func masks(window: Int) throws -> [Image8] {
            var out = [Image8?](repeating: nil, count: 6)
            try PasteMask.masks(0..<6, window: window, footprint: footprint, emit: { out[$0] = $1 })
            return out.map { $0! }
        }
        let steady = try masks(window: 2), own = try masks(window: 0)
        let band = 64 * n + 34  // between the two edges
        XCTAssertLessThan(own[3].pixels[band], 255, "alone, the odd frame's mask hands over inside the band")
        XCTAssertEqual(steady[2].pixels, steady[3].pixels, "united, consecutive frames get one mask")
        XCTAssertEqual(steady[3].pixels[band], 255, "and the band is pasted in full")
        XCTAssertEqual(steady[3].pixels[64 * n + 64], 255)
    }

    func testTheFrameMaskIsTheCropMaskWhereTheCropLies() {
        var mask = Image8(width: 64, height: 64, channels: 1)
        for i in mask.pixels.indices { mask.pixels[i] = 200 }
        let frame = PasteMask.frameMask(mask, box: CropBox(x: 50, y: 40, side: 32), width: 100, height: 80)
        XCTAssertEqual(frame[40 * 100 + 50], 200 / 255, accuracy: 1e-6)
        XCTAssertEqual(frame[40 * 100 + 80], 0, "outside the crop")
        XCTAssertEqual(frame[5 * 100 + 50], 0, "outside the crop")
    }
}
