/// Lai et al. (ECCV 2018) occlusion test, as their evaluation code applies it in frame t−1:
/// pixel x is occluded when forward–backward consistency fails,
///   |fw(x) + bw(x + fw(x))|² > 0.01·(|fw(x)|² + |bw(x + fw(x))|²) + 0.5,
/// or it lies on a motion boundary of the forward flow (forward differences),
///   |∇fw(x)|² > 0.01·|fw(x)|² + 0.002.
/// Returns 1 for occluded, 0 for visible, row-major.
public func laiOcclusion(forward fw: FlowField, backward bw: FlowField) -> [Float] {
    precondition(fw.width == bw.width && fw.height == bw.height, "flow sizes differ")
    let w = fw.width, h = fw.height
    let bu = GrayImage(width: w, height: h, data: bw.u), bv = GrayImage(width: w, height: h, data: bw.v)
    var occluded = [Float](repeating: 0, count: w * h)
    for y in 0..<h {
        for x in 0..<w {
            let i = y * w + x
            let u = fw.u[i], v = fw.v[i]
            let tx = Float(x) + u, ty = Float(y) + v
            let bwu = bu.sample(tx, ty), bwv = bv.sample(tx, ty)
            let sumU = u + bwu, sumV = v + bwv
            let inconsistent = sumU * sumU + sumV * sumV > 0.01 * (u * u + v * v + bwu * bwu + bwv * bwv) + 0.5
            // Forward differences; the last row/column repeats its neighbour's (difference 0).
            let xr = min(x + 1, w - 1), yd = min(y + 1, h - 1)
            let dux = fw.u[y * w + xr] - u, dvx = fw.v[y * w + xr] - v
            let duy = fw.u[yd * w + x] - u, dvy = fw.v[yd * w + x] - v
            let boundary = dux * dux + dvx * dvx + duy * duy + dvy * dvy > 0.01 * (u * u + v * v) + 0.002
            occluded[i] = inconsistent || boundary ? 1 : 0
        }
    }
    return occluded
}

extension FlowField {
    /// `image` (planar, any channel count) sampled at x + flow(x): the frame t warped back onto
    /// frame t−1 when this is the forward flow t−1 → t. Bilinear, border replicated.
    public func warp(_ planes: [GrayImage]) -> [GrayImage] {
        planes.map { plane in
            precondition(plane.width == width && plane.height == height, "image and flow sizes differ")
            var out = GrayImage(width: width, height: height)
            for y in 0..<height {
                for x in 0..<width {
                    let i = y * width + x
                    out.data[i] = plane.sample(Float(x) + u[i], Float(y) + v[i])
                }
            }
            return out
        }
    }
}
