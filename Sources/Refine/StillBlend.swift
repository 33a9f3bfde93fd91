import Tensor

/// Where the target holds still from one frame to the next, the written frame holds still too:
/// each pixel of the pasted frame is blended towards the previous written frame by
/// `strength` × how still the target is there.
///
/// Why: a network's output moves with its input's coding noise, 2–3× as much, and a paste mask
/// that moves a little under a still face moves the hand-over from refined face to target. On
/// still pictures (a head that does not move, repeated frames) the refined video then flickered
/// more than 1.5× both swap and original on up to 10 % of frame pairs (Matilda_Bobbie_3, Nicola_Badge_0),
/// and David_Kovalniy_0's median came out above its swap's. Holding a whole still stretch on its
/// first crop fixed one pair and broke another at the stretch's end, where the held face caught up
/// in one step (docs/real-footage.md, "Still frames"); a recursive blend has no such step: it
/// follows the render within a few frames wherever the target moves, and a pixel is judged on its
/// own neighbourhood, so a blink does not hold the rest of a still face back, nor a still face a
/// blink.
///
///     gate(p)   = strength · max(0, 1 − change(p) / level)
///     change(p) = the target's largest change t−1 → t in any channel within `radius` of p
///     out_t(p)  = pasted_t(p) + gate(p) · (out_{t−1}(p) − pasted_t(p))
///
/// only where the paste mask of t or t−1 (grown by `radius`) is non-zero; elsewhere the frame is
/// the target's, untouched. The blend is kept unrounded from frame to frame; a blended pixel is
/// written anew only once it has moved `hysteresis` from its last written value.
public struct StillBlend {
    /// Grey levels of change (0…255, any channel) at which the target counts as moving: above
    /// x264's noise on a still picture (0–3 levels at the CRFs swappers use). At 12 a slowly
    /// moving face was held back where its skin changed little (Natasha_Former_0's median 14.8 →
    /// 15.9 ×10⁻⁵); 6 kept the still pictures' gain without it, 4 lost some of it
    /// (docs/real-footage.md, "Still frames, blended").
    public static let level: Float = 6
    /// Pixels around a change in the target that count as moving too: a moving edge's neighbours
    /// change little in the target but a lot in the swap's texture laid over it.
    public static let radius = 3
    /// Grey levels a blended pixel must move from its last written value before it is written
    /// anew: rounded afresh every frame, a blend creeping by a fraction of a level flipped pixels
    /// by ±1 all over a still face, and x264 coded that dither as flicker (Matilda_Bobbie_3).
    public static let hysteresis: Float = 1

    public let strength: Float
    private var previous: [Float]?
    private var previousFrame: Image8?
    private var previousTarget: Image8?
    private var previousMask: [Float]?

    /// `strength` in 0…1: 0 writes the pasted frame as it is.
    public init(strength: Double) {
        self.strength = Float(max(0, min(1, strength)))
    }

    /// Blends `frame` (the target with the refined face pasted through `mask`, width × height,
    /// 0…1) towards the previous call's output, and remembers the result. A frame of another
    /// size than the last starts afresh.
    public mutating func apply(to frame: inout Image8, target: Image8, mask: [Float]) {
        let w = frame.width, h = frame.height, plane = w * h
        precondition(frame.channels == 3 && target.width == w && target.height == h && mask.count == plane, "one frame size")
        guard strength > 0 else { return }
        var current = frame.pixels.map(Float.init)
        defer { (previous, previousFrame, previousTarget, previousMask) = (current, frame, target, mask) }
        guard let previous, let previousFrame, let previousTarget, let previousMask, previous.count == current.count else { return }
        // Only the box round both masks (grown by the support's and the change's radius) can change.
        var x0 = w, x1 = -1, y0 = h, y1 = -1
        for y in 0..<h {
            for x in 0..<w where mask[y * w + x] > 0 || previousMask[y * w + x] > 0 {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return }
        let grow = 2 * Self.radius
        (x0, y0, x1, y1) = (max(0, x0 - grow), max(0, y0 - grow), min(w - 1, x1 + grow), min(h - 1, y1 + grow))
        let bw = x1 - x0 + 1, bh = y1 - y0 + 1
        var change = [Float](repeating: 0, count: bw * bh), inside = [Float](repeating: 0, count: bw * bh)
        for by in 0..<bh {
            for bx in 0..<bw {
                let i = (y0 + by) * w + x0 + bx
                var d: Int32 = 0
                for c in 0..<3 { d = max(d, abs(Int32(target.pixels[i * 3 + c]) - Int32(previousTarget.pixels[i * 3 + c]))) }
                change[by * bw + bx] = Float(d)
                inside[by * bw + bx] = max(mask[i], previousMask[i])
            }
        }
        change = Self.maxFilter(change, width: bw, height: bh, radius: Self.radius)
        let support = Self.maxFilter(inside, width: bw, height: bh, radius: Self.radius)
        for by in 0..<bh {
            for bx in 0..<bw where support[by * bw + bx] > 0 {
                let gate = strength * max(0, 1 - change[by * bw + bx] / Self.level)
                guard gate > 0 else { continue }
                let i = (y0 + by) * w + x0 + bx
                for c in 0..<3 {
                    let k = i * 3 + c
                    current[k] += gate * (previous[k] - current[k])
                    let written = previousFrame.pixels[k]
                    frame.pixels[k] = abs(current[k] - Float(written)) < Self.hysteresis ? written : UInt8(max(0, min(255, current[k].rounded())))
                }
            }
        }
    }

    /// The largest value within `radius` of each pixel (a square window, clipped at the border),
    /// in two passes, one per axis.
    public static func maxFilter(_ values: [Float], width w: Int, height h: Int, radius r: Int) -> [Float] {
        let alongRows = maxAlong(values, step: 1, lanes: h, laneStride: w, length: w, radius: r)
        return maxAlong(alongRows, step: w, lanes: w, laneStride: 1, length: h, radius: r)
    }

    /// The largest value within `radius` along each lane (a row or a column) of `values`.
    private static func maxAlong(_ values: [Float], step: Int, lanes: Int, laneStride: Int, length: Int, radius r: Int) -> [Float] {
        var out = values
        for lane in 0..<lanes {
            let base = lane * laneStride
            for i in 0..<length {
                var m = -Float.infinity
                for j in max(0, i - r)...min(length - 1, i + r) { m = max(m, values[base + j * step]) }
                out[base + i * step] = m
            }
        }
        return out
    }
}
