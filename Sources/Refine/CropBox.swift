import Foundation
public import Tensor

/// A square crop of a frame: centre and side in frame pixels (sub-pixel, may reach outside).
public struct CropBox: Codable, Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var side: Double

    public init(x: Double, y: Double, side: Double) {
        (self.x, self.y, self.side) = (x, y, side)
    }

    /// The square around a region's bounding box, widened by `margin` of its size on each side.
    public init(left: Double, top: Double, right: Double, bottom: Double, margin: Double) {
        let side = max(right - left, bottom - top) * (1 + 2 * margin)
        self.init(x: (left + right) / 2, y: (top + bottom) / 2, side: max(side, 8))
    }

    /// The frame pixels the crop covers (clipped to the frame); nil when none.
    public func framePixels(width: Int, height: Int) -> (ClosedRange<Int>, ClosedRange<Int>)? {
        let left = max(0, Int((x - side / 2).rounded(.down))), right = min(width - 1, Int((x + side / 2).rounded(.up)))
        let top = max(0, Int((y - side / 2).rounded(.down))), bottom = min(height - 1, Int((y + side / 2).rounded(.up)))
        return left <= right && top <= bottom ? (left...right, top...bottom) : nil
    }

    /// Crop coordinates of frame pixel (fx, fy) in an n×n crop (pixel centres; may lie outside
    /// 0…n−1): the inverse of `frame(u, v)`.
    @inline(__always) public func cropCoordinates(_ fx: Int, _ fy: Int, n: Int) -> (Double, Double) {
        let scale = Double(n) / side
        return ((Double(fx) + 0.5 - (x - side / 2)) * scale - 0.5, (Double(fy) + 0.5 - (y - side / 2)) * scale - 0.5)
    }

    /// Frame coordinates of crop pixel (u, v) in an n×n crop (pixel centres).
    @inline(__always) func frame(_ u: Double, _ v: Double, n: Int) -> (Double, Double) {
        let scale = side / Double(n)
        return (x - side / 2 + (u + 0.5) * scale - 0.5, y - side / 2 + (v + 0.5) * scale - 0.5)
    }

    /// Resamples the crop to n×n: bilinear with edge clamping, averaged over a k×k grid of taps per
    /// output pixel when shrinking by k or more (so a 1080p face does not alias at 256²).
    public func extract(_ image: Image8, size n: Int) -> Image8 {
        let scale = side / Double(n), taps = max(1, Int(scale.rounded(.down)))
        var out = Image8(width: n, height: n, channels: image.channels)
        var sum = [Double](repeating: 0, count: image.channels)
        for v in 0..<n {
            for u in 0..<n {
                for c in sum.indices { sum[c] = 0 }
                for ty in 0..<taps {
                    for tx in 0..<taps {
                        let (fx, fy) = frame(Double(u) - 0.5 + (Double(tx) + 0.5) / Double(taps), Double(v) - 0.5 + (Double(ty) + 0.5) / Double(taps), n: n)
                        Self.bilinear(image, fx, fy, into: &sum)
                    }
                }
                let o = (v * n + u) * image.channels
                for c in sum.indices { out.pixels[o + c] = UInt8(min(255, max(0, (sum[c] / Double(taps * taps)).rounded()))) }
            }
        }
        return out
    }

    static func bilinear(_ image: Image8, _ x: Double, _ y: Double, into sum: inout [Double]) {
        let cx = min(max(x, 0), Double(image.width - 1)), cy = min(max(y, 0), Double(image.height - 1))
        let x0 = Int(cx), y0 = Int(cy), x1 = min(x0 + 1, image.width - 1), y1 = min(y0 + 1, image.height - 1)
        let fx = cx - Double(x0), fy = cy - Double(y0), ch = image.channels
        for c in 0..<ch {
            func p(_ xx: Int, _ yy: Int) -> Double { Double(image.pixels[(yy * image.width + xx) * ch + c]) }
            sum[c] += (1 - fy) * ((1 - fx) * p(x0, y0) + fx * p(x1, y0)) + fy * ((1 - fx) * p(x0, y1) + fx * p(x1, y1))
        }
    }

    /// Blends an n×n RGB crop (planar, values in [0, 1]) into the frame where `mask` (frame-sized,
    /// 0…1) is on: frame = frame·(1 − m) + crop·m, the crop sampled bilinearly at each frame pixel.
    public func paste(_ crop: [Float], size n: Int, into frame: inout Image8, mask: [Float]) {
        guard let (xs, ys) = framePixels(width: frame.width, height: frame.height) else { return }
        let plane = n * n
        for fy in ys {
            for fx in xs {
                let m = Double(mask[fy * frame.width + fx])
                guard m > 0 else { continue }
                let (cu, cv) = cropCoordinates(fx, fy, n: n)
                let u = min(max(cu, 0), Double(n - 1)), v = min(max(cv, 0), Double(n - 1))
                let u0 = Int(u), v0 = Int(v), u1 = min(u0 + 1, n - 1), v1 = min(v0 + 1, n - 1)
                let au = u - Double(u0), av = v - Double(v0)
                let o = (fy * frame.width + fx) * frame.channels
                for c in 0..<3 {
                    let base = c * plane
                    let top = (1 - au) * Double(crop[base + v0 * n + u0]) + au * Double(crop[base + v0 * n + u1])
                    let low = (1 - au) * Double(crop[base + v1 * n + u0]) + au * Double(crop[base + v1 * n + u1])
                    let value = min(max((1 - av) * top + av * low, 0), 1)
                    let blended = Double(frame.pixels[o + c]) * (1 - m) + 255 * value * m
                    frame.pixels[o + c] = UInt8(blended.rounded())
                }
            }
        }
    }
}

public enum CropTrack {
    /// Pixels (of the frame) a smoothed box must move, or its side change, before the crop moves
    /// with it. Why: on frames where nothing moves (a repeated frame, a still head) the smoothed
    /// box still drifts by a fraction of a pixel, the network sees a resampled crop and its output
    /// changes by more than the input did: on Natasha_Former_0 every one of the 12 frame pairs
    /// where the refined video flickered more than 1.5× both swap and target was a repeated frame.
    public static let hold = 1.0

    /// Grey levels (in some channel) by which a pixel must change between frames to count as
    /// moved: above the coding noise of a repeated frame.
    public static let changeLevel = 8
    /// Share of its crop box's area under which a frame's changed pixels leave it still (a
    /// repeated frame): on Natasha_Former_0, repeated frames changed 0.00–0.03 % of their box,
    /// moving ones 3 % of the whole frame and more.
    public static let stillShare = 0.001

    /// Pixels of `frame` that differ from `previous` by more than `changeLevel` in some channel.
    public static func changedPixels(_ previous: Image8, _ frame: Image8) -> Int {
        guard previous.width == frame.width, previous.height == frame.height, previous.channels == frame.channels else { return Int.max }
        let c = frame.channels
        var count = 0
        previous.pixels.withUnsafeBufferPointer { a in
            frame.pixels.withUnsafeBufferPointer { b in
                for i in 0..<(frame.width * frame.height) {
                    var d = 0
                    for k in 0..<c { d = max(d, abs(Int(a[i * c + k]) - Int(b[i * c + k]))) }
                    if d > changeLevel { count += 1 }
                }
            }
        }
        return count
    }

    /// Which frames are still: their changed pixels (`changedPixels`, over the whole frame) under
    /// `stillShare` of their box's area.
    public static func stillFrames(changedPixels: [Int], boxes: [CropBox?]) -> [Bool] {
        boxes.indices.map { t in
            guard t < changedPixels.count, let box = boxes[t] else { return false }
            return Double(changedPixels[t]) < stillShare * box.side * box.side
        }
    }

    /// Gaussian smoothing (σ in frames) of box centres and sides within each segment of
    /// `segments` (cuts are not smoothed across), each box then held where it was until the
    /// smoothed one has moved by `hold` pixels, and always in a frame `still` marks (the image did
    /// not move, so the crop must not); frames without a region take the nearest box.
    public static func smooth(_ boxes: [CropBox?], sigma: Double, segments: [Range<Int>], hold: Double = hold,
                              still: [Bool] = []) -> [CropBox]? {
        guard boxes.contains(where: { $0 != nil }) else { return nil }
        var filled = boxes
        for t in filled.indices where filled[t] == nil {
            let before = (0..<t).reversed().first { boxes[$0] != nil }, after = ((t + 1)..<boxes.count).first { boxes[$0] != nil }
            let pick = [before, after].compactMap { $0 }.min { abs($0 - t) < abs($1 - t) }!
            filled[t] = boxes[pick]
        }
        let known = filled.map { $0! }
        var out = known
        let radius = Int((3 * sigma).rounded(.up))
        for segment in segments {
            if sigma > 0 {
                for t in segment {
                    var sx = 0.0, sy = 0.0, ss = 0.0, total = 0.0
                    for k in max(segment.lowerBound, t - radius)..<min(segment.upperBound, t + radius + 1) {
                        let w = exp(-Double((k - t) * (k - t)) / (2 * sigma * sigma))
                        sx += w * known[k].x; sy += w * known[k].y; ss += w * known[k].side; total += w
                    }
                    out[t] = CropBox(x: sx / total, y: sy / total, side: ss / total)
                }
            }
            guard hold > 0 || !still.isEmpty, var held = segment.first.map({ out[$0] }) else { continue }
            for t in segment {
                let box = out[t]
                let isStill = t < still.count && still[t] && t > segment.lowerBound
                if !isStill, abs(box.x - held.x) >= hold || abs(box.y - held.y) >= hold || abs(box.side - held.side) >= hold { held = box }
                out[t] = held
            }
        }
        return out
    }
}
