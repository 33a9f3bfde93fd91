import Refine
import Tensor
import XCTest

final class StillBlendTests: XCTestCase {
    let w = 40, h = 30

    func image(_ fill: (Int, Int) -> UInt8) -> Image8 {
        var out = Image8(width: w, height: h, channels: 3)
        for y in 0..<h { for x in 0..<w { for c in 0..<3 { out.pixels[(y * w + x) * 3 + c] = fill(x, y) } } }
        return out
    }

    /// The paste mask: a 20×14 rectangle from (10, 8).
    lazy var mask: [Float] = (0..<(w * h)).map { i in (10..<30).contains(i % w) && (8..<22).contains(i / w) ? 1 : 0 }

    /// A still target under a render that jitters by ±6 levels: inside the mask the written
    /// frames change far less than the render; outside the mask (and its radius) they are the
    /// target's, untouched; strength 0 writes the render as it is.
    func testAStillTargetHoldsTheWrittenFaceStill() {
        let target = image { x, y in UInt8(60 + x + y) }
        var random = SystemRandomNumberGenerator()
        var renders: [Image8] = []
        for _ in 0..<30 {
            var frame = target
            for i in 0..<(w * h) where mask[i] > 0 {
                let jitter = Int.random(in: -6...6, using: &random)
                for c in 0..<3 { frame.pixels[i * 3 + c] = UInt8(150 + jitter) }
            }
            renders.append(frame)
        }
        func meanChange(_ frames: [Image8]) -> Double {
            var sum = 0.0, count = 0.0
            for t in 1..<frames.count {
                for i in 0..<(w * h) where mask[i] > 0 {
                    sum += abs(Double(frames[t].pixels[i * 3]) - Double(frames[t - 1].pixels[i * 3])); count += 1
                }
            }
            return sum / count
        }
        var off = StillBlend(strength: 0), on = StillBlend(strength: 0.9)
        var written: [Image8] = [], unblended: [Image8] = []
        var changedOutside = 0
        for render in renders {
            var a = render, b = render
            off.apply(to: &a, target: target, mask: mask)
            on.apply(to: &b, target: target, mask: mask)
            unblended.append(a); written.append(b)
            for y in 0..<h { for x in 0..<w where !(7..<33).contains(x) || !(5..<25).contains(y) {
                changedOutside += b.pixels[(y * w + x) * 3] == target.pixels[(y * w + x) * 3] ? 0 : 1
            } }
        }
        XCTAssertEqual(changedOutside, 0, "outside the mask grown by the radius: the target")
        XCTAssertEqual(unblended, renders, "strength 0: the render as it is")
        XCTAssertEqual(written[0], renders[0], "the first frame has nothing to hold on to")
        XCTAssertGreaterThan(meanChange(renders), 2)
        XCTAssertLessThan(meanChange(written), 0.25 * meanChange(renders), "\(meanChange(written)) vs \(meanChange(renders))")
    }

    /// A render that alternates by one level on a still target settles, blended, at 150.47 and
    /// 150.53 in turn: rounded afresh each frame that is a ±1 flicker; the hysteresis writes one
    /// value throughout.
    func testABlendCreepingByLessThanALevelIsNotRewritten() {
        let target = image { x, y in UInt8(60 + x + y) }
        var blend = StillBlend(strength: 0.9)
        var written: [Image8] = []
        for t in 0..<60 {
            var frame = target
            for i in 0..<(w * h) where mask[i] > 0 { for c in 0..<3 { frame.pixels[i * 3 + c] = UInt8(150 + t % 2) } }
            blend.apply(to: &frame, target: target, mask: mask)
            written.append(frame)
        }
        XCTAssertEqual(Set(written.suffix(20).map { $0.pixels[(15 * w + 20) * 3] }).count, 1, "one value in the mask")
        XCTAssertTrue(written.suffix(20).allSatisfy { $0 == written.last! })
    }

    /// Where the target moves (by the change level or more, or within the radius of such a
    /// change) the render is written as it is; a still part of the same frame is held.
    func testAMovingTargetIsNotHeldBack() {
        let before = image { x, y in UInt8(60 + x + y) }
        // The target's left half brightens by 40 levels; its right half stays.
        let after = image { x, y in UInt8(60 + x + y + (x < 20 ? 40 : 0)) }
        var blend = StillBlend(strength: 0.9)
        var first = image { _, _ in 100 }
        blend.apply(to: &first, target: before, mask: [Float](repeating: 1, count: w * h))
        var second = image { _, _ in 200 }
        blend.apply(to: &second, target: after, mask: [Float](repeating: 1, count: w * h))
        for y in 0..<h {
            for x in 0..<(20 + StillBlend.radius) { XCTAssertEqual(second.pixels[(y * w + x) * 3], 200, "moving, or near it: the render") }
            for x in (20 + StillBlend.radius)..<w { XCTAssertEqual(second.pixels[(y * w + x) * 3], 110, "still: 0.9 of the way back") }
        }
    }

    /// The two-pass maximum equals the naive window maximum, at the border too.
    func testTheMaxFilterMatchesTheNaiveWindow() {
        var random = SystemRandomNumberGenerator()
        let values = (0..<(w * h)).map { _ in Float.random(in: 0...1, using: &random) }
        let fast = StillBlend.maxFilter(values, width: w, height: h, radius: 3)
        for y in 0..<h {
            for x in 0..<w {
                var m = -Float.infinity
                for yy in max(0, y - 3)...min(h - 1, y + 3) { for xx in max(0, x - 3)...min(w - 1, x + 3) { m = max(m, values[yy * w + xx]) } }
                XCTAssertEqual(fast[y * w + x], m)
            }
        }
    }
}
