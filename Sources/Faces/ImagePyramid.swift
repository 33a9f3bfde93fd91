import Foundation

/// An integer rectangle with inclusive right and bottom, as dlib's `rectangle`.
struct PixelRect: Equatable {
    var left: Int, top: Int, right: Int, bottom: Int
    var width: Int { right - left + 1 }
    var height: Int { bottom - top + 1 }
    var area: Int { isEmpty ? 0 : width * height }
    var isEmpty: Bool { left > right || top > bottom }

    func contains(_ x: Int, _ y: Int) -> Bool { x >= left && x <= right && y >= top && y <= bottom }

    func intersection(_ o: PixelRect) -> PixelRect {
        PixelRect(left: max(left, o.left), top: max(top, o.top), right: min(right, o.right), bottom: min(bottom, o.bottom))
    }

    /// The smallest rectangle holding both (dlib's `a + b`).
    func union(_ o: PixelRect) -> PixelRect {
        PixelRect(left: min(left, o.left), top: min(top, o.top), right: max(right, o.right), bottom: max(bottom, o.bottom))
    }

    /// Squared distance from a point to the nearest point of the rectangle.
    func distanceSquared(_ x: Int, _ y: Int) -> Double {
        let dx = Double(x - min(max(x, left), right)), dy = Double(y - min(max(y, top), bottom))
        return dx * dx + dy * dy
    }
}

/// dlib's tiled image pyramid (dlib/image_transforms/image_pyramid.h,
/// `compute_tiled_image_pyramid_details`): every level of a 5/6-rate pyramid packed into one
/// image — the original down the left, smaller levels in a first column below it, then doubling
/// back up the right side — so one convolution pass scans all scales.
struct TiledPyramid {
    static let rate = 5.0 / 6.0
    let width: Int
    let height: Int
    /// Where each level lies in the tiled image; level 0 is the original.
    let levels: [PixelRect]

    init(imageWidth nc: Int, imageHeight nr: Int, padding: Int = 10, outerPadding: Int = 11) {
        var rects = [PixelRect(left: 0, top: 0, right: nc - 1, bottom: nr - 1)]
        var (h, w) = (nr, nc)
        while true {
            h = Int((Self.rate * Double(h)).rounded(.down))
            w = Int((Self.rate * Double(w)).rounded(.down))
            if h * w == 0 || h < 5 { break }
            rects.append(PixelRect(left: 0, top: 0, right: w - 1, bottom: h - 1))
        }
        let totalHeight = rects.reduce(0) { $0 + $1.height + padding } - 2 * padding
        var height = 0, previousWidth = 0
        for r in rects {
            // The first column ends where the next level fits beside the one before it and the
            // column is at least half the pyramid's height: the rest doubles back up the right.
            if r.width <= rects[0].width - previousWidth - padding && (height - rects[0].height) * 2 >= totalHeight - rects[0].height {
                break
            }
            height += r.height + padding
            previousWidth = r.width
        }
        height -= padding
        let width = rects[0].width
        var y = outerPadding, i = 0
        while y < height + outerPadding && i < rects.count {
            rects[i] = PixelRect(left: outerPadding, top: y, right: outerPadding + rects[i].width - 1, bottom: y + rects[i].height - 1)
            y += rects[i].height + padding
            i += 1
        }
        y -= padding
        while i < rects.count {
            let right = outerPadding + width - 1, bottom = y - 1
            let rect = PixelRect(left: right - (rects[i].width - 1), top: bottom - (rects[i].height - 1), right: right, bottom: bottom)
            if !rects[0].intersection(rect).isEmpty { break }
            rects[i] = rect
            y -= rects[i].height + padding
            i += 1
        }
        levels = Array(rects[..<i])
        self.width = width + 2 * outerPadding
        self.height = height + 2 * outerPadding
    }

    /// A rectangle in tiled-image coordinates mapped back to the original image: it belongs to
    /// the level nearest its (rounded) centre, and each level up scales by 6/5 about dlib's
    /// 0.3-pixel offset.
    func toImage(left: Double, top: Double, right: Double, bottom: Double) -> (Double, Double, Double, Double) {
        let cx = Int(((left + right) / 2).rounded(.toNearestOrAwayFromZero))
        let cy = Int(((top + bottom) / 2).rounded(.toNearestOrAwayFromZero))
        var level = 0, best = Double.infinity
        for (i, r) in levels.enumerated() {
            if r.contains(cx, cy) { level = i; break }
            let d = r.distanceSquared(cx, cy)
            if d < best { best = d; level = i }
        }
        let ox = Double(levels[level].left), oy = Double(levels[level].top)
        func up(_ v: Double) -> Double {
            var v = v
            for _ in 0..<level { v = v * (6.0 / 5.0) + 0.3 }
            return v
        }
        return (up(left - ox), up(top - oy), up(right - ox), up(bottom - oy))
    }
}

/// Bilinear resampling with corners aligned (dlib's `resize_image`): output pixel c samples the
/// input at c · (inW − 1) / (outW − 1).
func resizeBilinear(_ src: UnsafePointer<Float>, width: Int, height: Int, stride: Int,
                    into dst: UnsafeMutablePointer<Float>, width outW: Int, height outH: Int, stride outStride: Int) {
    let xScale = Double(width - 1) / Double(max(outW - 1, 1)), yScale = Double(height - 1) / Double(max(outH - 1, 1))
    var lefts = [Int](repeating: 0, count: outW), fractions = [Float](repeating: 0, count: outW)
    for c in 0..<outW {
        let x = Double(c) * xScale
        lefts[c] = Int(x.rounded(.down))
        fractions[c] = Float(x - Double(lefts[c]))
    }
    for r in 0..<outH {
        let y = Double(r) * yScale
        let top = Int(y.rounded(.down)), bottom = min(top + 1, height - 1)
        let fy = Float(y - Double(top))
        let rowTop = src + top * stride, rowBottom = src + bottom * stride, out = dst + r * outStride
        for c in 0..<outW {
            let l = lefts[c], rr = min(l + 1, width - 1), fx = fractions[c]
            let upper = rowTop[l] + fx * (rowTop[rr] - rowTop[l])
            let lower = rowBottom[l] + fx * (rowBottom[rr] - rowBottom[l])
            out[c] = upper + fy * (lower - upper)
        }
    }
}
