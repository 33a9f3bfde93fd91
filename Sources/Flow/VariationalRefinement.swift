import Foundation

/// Variational refinement of a dense flow (the energy of DeepFlow / OpenCV's VariationalRefinement):
/// robust (Charbonnier) brightness constancy weighted δ, gradient constancy weighted γ, both
/// normalised by the local gradient magnitude, and robust smoothness weighted α. Linearised
/// around the current flow; fixed-point iterations re-weight, SOR solves each linear system.
public struct VariationalRefinement: Sendable {
    public struct Settings: Codable, Equatable, Sendable {
        public var alpha: Float = 20
        public var gamma: Float = 10
        public var delta: Float = 5
        public var sorIterations = 5
        public var omega: Float = 1.6
        public var epsilon: Float = 0.001
        public var zeta: Float = 0.1
        public init() {}
    }

    public var settings: Settings
    public var iterations: Int

    public func refine(_ flow: FlowField, i0 first: GrayImage, i1 second: GrayImage) -> FlowField {
        let w = flow.width, h = flow.height, count = w * h
        let s = settings
        // Intensities stay in 0…255 (as OpenCV's refinement sees 8-bit frames): ζ then only
        // guards flat regions, and the data terms are nearly invariant to contrast.
        let i0 = first, i1 = second
        let (i0x, i0y) = i0.gradients(), (i1x, i1y) = i1.gradients()
        func warp(_ image: GrayImage) -> [Float] {
            (0..<count).map { i in image.sample(Float(i % w) + flow.u[i], Float(i / w) + flow.v[i]) }
        }
        let w1 = warp(i1), w1x = warp(i1x), w1y = warp(i1y)
        // Averaged first derivatives and second derivatives of the warped second frame (as DeepFlow).
        let ix = (0..<count).map { 0.5 * (i0x.data[$0] + w1x[$0]) }, iy = (0..<count).map { 0.5 * (i0y.data[$0] + w1y[$0]) }
        let (ixx, ixy) = GrayImage(width: w, height: h, data: ix).gradients()
        let (_, iyy) = GrayImage(width: w, height: h, data: iy).gradients()
        let iz = (0..<count).map { w1[$0] - i0.data[$0] }
        let ixz = (0..<count).map { w1x[$0] - i0x.data[$0] }, iyz = (0..<count).map { w1y[$0] - i0y.data[$0] }
        let zeta2 = s.zeta * s.zeta, eps2 = s.epsilon * s.epsilon

        var du = [Float](repeating: 0, count: count), dv = du
        var a11 = du, a12 = du, a22 = du, b1 = du, b2 = du, smooth = du
        for _ in 0..<iterations {
            for i in 0..<count {
                let nc = 1 / (ix[i] * ix[i] + iy[i] * iy[i] + zeta2)
                let dataResidual = iz[i] + ix[i] * du[i] + iy[i] * dv[i]
                let a = s.delta * nc / (2 * (nc * dataResidual * dataResidual + eps2).squareRoot())
                let nx = 1 / (ixx.data[i] * ixx.data[i] + ixy.data[i] * ixy.data[i] + zeta2)
                let ny = 1 / (ixy.data[i] * ixy.data[i] + iyy.data[i] * iyy.data[i] + zeta2)
                let rx = ixz[i] + ixx.data[i] * du[i] + ixy.data[i] * dv[i]
                let ry = iyz[i] + ixy.data[i] * du[i] + iyy.data[i] * dv[i]
                let b = s.gamma / (2 * (nx * rx * rx + ny * ry * ry + eps2).squareRoot())
                let (bx, by) = (b * nx, b * ny)
                a11[i] = a * ix[i] * ix[i] + bx * ixx.data[i] * ixx.data[i] + by * ixy.data[i] * ixy.data[i]
                a12[i] = a * ix[i] * iy[i] + bx * ixx.data[i] * ixy.data[i] + by * ixy.data[i] * iyy.data[i]
                a22[i] = a * iy[i] * iy[i] + bx * ixy.data[i] * ixy.data[i] + by * iyy.data[i] * iyy.data[i]
                b1[i] = -(a * ix[i] * iz[i] + bx * ixx.data[i] * ixz[i] + by * ixy.data[i] * iyz[i])
                b2[i] = -(a * iy[i] * iz[i] + bx * ixy.data[i] * ixz[i] + by * iyy.data[i] * iyz[i])
            }
            // Smoothness weight per pixel from forward differences of the current total flow.
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    let xr = min(x + 1, w - 1), yd = min(y + 1, h - 1)
                    let ux = (flow.u[y * w + xr] + du[y * w + xr]) - (flow.u[i] + du[i])
                    let uy = (flow.u[yd * w + x] + du[yd * w + x]) - (flow.u[i] + du[i])
                    let vx = (flow.v[y * w + xr] + dv[y * w + xr]) - (flow.v[i] + dv[i])
                    let vy = (flow.v[yd * w + x] + dv[yd * w + x]) - (flow.v[i] + dv[i])
                    smooth[i] = s.alpha / (2 * (ux * ux + uy * uy + vx * vx + vy * vy + eps2).squareRoot())
                }
            }
            sor(&du, &dv, flow: flow, smooth: smooth, a11: a11, a12: a12, a22: a22, b1: b1, b2: b2)
        }
        var out = flow
        for i in 0..<count {
            out.u[i] += du[i]
            out.v[i] += dv[i]
        }
        return out
    }

    /// Successive over-relaxation sweeps on the linearised system: for each pixel,
    /// (A + Σw)·(du, dv) = b + Σ w_n·(flow_n + d_n − flow), neighbours weighted by the mean of the
    /// two pixels' smoothness weights.
    private func sor(_ du: inout [Float], _ dv: inout [Float], flow: FlowField, smooth: [Float],
                     a11: [Float], a12: [Float], a22: [Float], b1: [Float], b2: [Float]) {
        let w = flow.width, h = flow.height, omega = settings.omega
        flow.u.withUnsafeBufferPointer { u in flow.v.withUnsafeBufferPointer { v in
        smooth.withUnsafeBufferPointer { s in
        a11.withUnsafeBufferPointer { a11 in a12.withUnsafeBufferPointer { a12 in a22.withUnsafeBufferPointer { a22 in
        b1.withUnsafeBufferPointer { b1 in b2.withUnsafeBufferPointer { b2 in
        du.withUnsafeMutableBufferPointer { du in dv.withUnsafeMutableBufferPointer { dv in
            for _ in 0..<settings.sorIterations {
                for y in 0..<h {
                    for x in 0..<w {
                        let i = y * w + x
                        var weightSum: Float = 0, su: Float = 0, sv: Float = 0
                        if x > 0 {
                            let k = 0.5 * (s[i] + s[i - 1]); weightSum += k
                            su += k * (u[i - 1] + du[i - 1] - u[i]); sv += k * (v[i - 1] + dv[i - 1] - v[i])
                        }
                        if x + 1 < w {
                            let k = 0.5 * (s[i] + s[i + 1]); weightSum += k
                            su += k * (u[i + 1] + du[i + 1] - u[i]); sv += k * (v[i + 1] + dv[i + 1] - v[i])
                        }
                        if y > 0 {
                            let k = 0.5 * (s[i] + s[i - w]); weightSum += k
                            su += k * (u[i - w] + du[i - w] - u[i]); sv += k * (v[i - w] + dv[i - w] - v[i])
                        }
                        if y + 1 < h {
                            let k = 0.5 * (s[i] + s[i + w]); weightSum += k
                            su += k * (u[i + w] + du[i + w] - u[i]); sv += k * (v[i + w] + dv[i + w] - v[i])
                        }
                        let newU = (b1[i] + su - a12[i] * dv[i]) / (a11[i] + weightSum)
                        du[i] = (1 - omega) * du[i] + omega * newU
                        let newV = (b2[i] + sv - a12[i] * du[i]) / (a22[i] + weightSum)
                        dv[i] = (1 - omega) * dv[i] + omega * newV
                    }
                }
            }
        } }
        } } }
        } } }
        } }
    }
}
