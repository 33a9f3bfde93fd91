import Faces
public import Tensor

/// Where the refined crop replaces the target, in crop coordinates (n×n gray): the swap's own
/// footprint (where the proxy differs from the target), closed, grown by a few pixels, feathered,
/// and faded out towards the crop's border; the face region only in a frame without a footprint
/// (the swapper missed the face there).
///
/// Why: a real swapper blends over a mask of its own, larger than and offset from the landmark
/// hull. A paste feathered at the hull handed over from the refined face (which follows the
/// swap) to the target (another face) inside the swap, along a seam that moved with the
/// landmarks: on real DeepFaceLive pairs the refined video flickered up to 7.6× more than the
/// swap. Uniting the hull with the footprint and growing it by n/12 moved the hand-over outside
/// the footprint, but onto hair, headphones and caps the hull reaches over, where the network
/// reproduces the target's sharp edges only roughly: on David_Kovalniy_0 the refined video
/// flickered 2.1× the swap's median, in a ring round the head. Outside the footprint the proxy is
/// the target, so the target itself is the right output there; the hand-over sits at the
/// footprint's edge, where the swapper's own feather makes refined, proxy and target agree.
public enum PasteMask {
    /// Grey levels by which the proxy must differ from the target (in some channel) to count as
    /// swapped: above x264's noise at the CRFs swappers use, below a skin-tone change.
    public static let threshold = 12

    /// Frames either side of a frame whose footprints its paste mask unites (within a run).
    public static let window = 2

    /// The mask of one frame from its crops alone (`soften(footprint(…))`).
    public static func make(region: Image8, target: Image8, proxy: Image8) -> Image8 {
        soften(footprint(region: region, target: target, proxy: proxy))
    }

    /// Where the swapper changed the frame (0 or 255, n×n) from its crops: `region` (the face
    /// region, gray), target and proxy (RGB), all n×n.
    public static func footprint(region: Image8, target: Image8, proxy: Image8) -> Image8 {
        let n = region.width, plane = n * n
        precondition(region.height == n && target.width == n && proxy.width == n, "crops of one size")
        var on = [Float](repeating: 0, count: plane)
        for i in 0..<plane {
            var d = 0
            for c in 0..<3 { d = max(d, abs(Int(target.pixels[i * 3 + c]) - Int(proxy.pixels[i * 3 + c]))) }
            on[i] = d > threshold ? 1 : 0
        }
        // Closing by majority: fills the footprint's holes (where the swap happens to match the
        // target) and drops isolated pixels of coding noise.
        on = FaceMask.boxBlur(on, radius: max(1, n / 32), width: n, height: n).map { $0 > 0.2 ? 1 : 0 }
        // A frame the swapper left alone: the face region instead, so a dropped frame is refined too.
        if !on.contains(1) {
            for i in 0..<plane where region.pixels[i * region.channels] > 127 { on[i] = 1 }
        }
        return Image8(width: n, height: n, channels: 1, pixels: on.map { $0 > 0 ? 255 : 0 })
    }

    /// The footprints of neighbouring frames united (pixelwise maximum).
    public static func union(_ footprints: [Image8]) -> Image8 {
        var out = footprints[0]
        for f in footprints.dropFirst() {
            for i in out.pixels.indices { out.pixels[i] = max(out.pixels[i], f.pixels[i]) }
        }
        return out
    }

    /// The paste masks of the frames of one run (no cut inside), each the union of the footprints
    /// within `window` frames of it, softened. Why: where a swapper's outline jitters from frame
    /// to frame, a hand-over at each frame's own footprint edge jitters with it and passes the
    /// swap's flicker on; across the union the refined face, steady over time, is pasted instead.
    /// `footprint(t)` is read once per frame, before `emit(t, mask)` may overwrite it.
    public static func masks(_ run: Range<Int>, window: Int = window, footprint: (Int) throws -> Image8,
                             emit: (Int, Image8) throws -> Void) throws {
        var footprints: [Int: Image8] = [:]
        for t in run {
            let near = max(run.lowerBound, t - window)...min(run.upperBound - 1, t + window)
            for s in near where footprints[s] == nil { footprints[s] = try footprint(s) }
            let united = union(near.map { footprints[$0]! })
            footprints[t - window] = nil
            try emit(t, soften(united))
        }
    }

    /// A footprint grown, feathered and faded out towards the crop's border: the paste mask.
    public static func soften(_ footprint: Image8) -> Image8 {
        let n = footprint.width
        let on = footprint.pixels.map { $0 > 127 ? Float(1) : 0 }
        // Grown by n/48, feathered over ±n/16 (two box blurs of n/32): the hand-over straddles the
        // footprint's edge, its core pasted in full.
        let grown = FaceMask.boxBlur(on, radius: max(1, n / 48), width: n, height: n).map { $0 > 0.001 ? Float(1) : 0 }
        let feather = max(1, n / 32)
        let soft = FaceMask.boxBlur(FaceMask.boxBlur(grown, radius: feather, width: n, height: n), radius: feather, width: n, height: n)
        var out = Image8(width: n, height: n, channels: 1)
        let ramp = Float(max(1, n / 16))
        for v in 0..<n {
            for u in 0..<n {
                let edge = Float(min(min(u, n - 1 - u), min(v, n - 1 - v))) + 0.5
                out.pixels[v * n + u] = quantize(soft[v * n + u] * min(1, edge / ramp))
            }
        }
        return out
    }

    /// The crop-space mask resampled onto the frame (0 outside the crop), as `CropBox.paste` samples the crop.
    public static func frameMask(_ mask: Image8, box: CropBox, width: Int, height: Int) -> [Float] {
        let n = mask.width
        var out = [Float](repeating: 0, count: width * height)
        guard let (xs, ys) = box.framePixels(width: width, height: height) else { return out }
        for fy in ys {
            for fx in xs {
                // Outside the crop: 0 (not clamped to its edge, which is 0 anyway).
                let (u, v) = box.cropCoordinates(fx, fy, n: n)
                guard u >= 0, v >= 0, u <= Double(n - 1), v <= Double(n - 1) else { continue }
                let u0 = Int(u), v0 = Int(v), u1 = min(u0 + 1, n - 1), v1 = min(v0 + 1, n - 1)
                let au = Float(u - Double(u0)), av = Float(v - Double(v0))
                func p(_ x: Int, _ y: Int) -> Float { Float(mask.pixels[y * n + x]) / 255 }
                out[fy * width + fx] = (1 - av) * ((1 - au) * p(u0, v0) + au * p(u1, v0)) + av * ((1 - au) * p(u0, v1) + au * p(u1, v1))
            }
        }
        return out
    }
}
