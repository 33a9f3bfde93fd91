import Foundation

/// Variational refinement of a dense flow (the energy of DeepFlow, as OpenCV's VariationalRefinement
/// sets it up): robust (Charbonnier) brightness constancy weighted δ, gradient constancy weighted
/// γ, both normalised by the local gradient magnitude, and robust smoothness weighted α.
/// Linearised around the current flow; fixed-point iterations re-weight, SOR solves each linear
/// system. As in OpenCV, derivatives are undivided central differences of the average of the
/// first frame and the warped second, ζ² is added to the diagonal, and each neighbour link takes
/// the smoothness weight of its left/upper pixel.
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
        let warped1 = flow.warp([second])[0].data
        var average = GrayImage(width: w, height: h), temporal = GrayImage(width: w, height: h)
        for i in 0..<count {
            average.data[i] = 0.5 * (first.data[i] + warped1[i])
            temporal.data[i] = warped1[i] - first.data[i]
        }
        let (ixImage, iyImage) = average.centralDifferences()
        let (ixzImage, iyzImage) = temporal.centralDifferences()
        let (ixxImage, ixyImage) = ixImage.centralDifferences()
        let iyyImage = iyImage.centralDifferences().y
        let zeta2 = s.zeta * s.zeta, eps2 = s.epsilon * s.epsilon

        // Temporal differences, then the per-pixel system (A, b) and smoothness weights.
        enum Plane: Int, CaseIterable { case iz, ixz, iyz, du, dv, a11, a12, a22, b1, b2, smooth }
        var planes = [Float](repeating: 0, count: count * Plane.allCases.count)
        planes.withUnsafeMutableBufferPointer { buffer in
            func plane(_ p: Plane) -> UnsafeMutablePointer<Float> { buffer.baseAddress! + p.rawValue * count }
            let iz = plane(.iz), ixz = plane(.ixz), iyz = plane(.iyz), du = plane(.du), dv = plane(.dv)
            let a11 = plane(.a11), a12 = plane(.a12), a22 = plane(.a22), b1 = plane(.b1), b2 = plane(.b2)
            let smooth = plane(.smooth)
            for i in 0..<count {
                iz[i] = temporal.data[i]
                ixz[i] = ixzImage.data[i]
                iyz[i] = iyzImage.data[i]
            }
            ixImage.data.withUnsafeBufferPointer { ix in iyImage.data.withUnsafeBufferPointer { iy in
            ixxImage.data.withUnsafeBufferPointer { ixx in ixyImage.data.withUnsafeBufferPointer { ixy in
            iyyImage.data.withUnsafeBufferPointer { iyy in
            flow.u.withUnsafeBufferPointer { u in flow.v.withUnsafeBufferPointer { v in
                for _ in 0..<iterations {
                    for i in 0..<count {
                        let nc = 1 / (ix[i] * ix[i] + iy[i] * iy[i] + zeta2)
                        let dataResidual = iz[i] + ix[i] * du[i] + iy[i] * dv[i]
                        let a = s.delta * nc / (2 * (nc * dataResidual * dataResidual + eps2).squareRoot())
                        let nx = 1 / (ixx[i] * ixx[i] + ixy[i] * ixy[i] + zeta2)
                        let ny = 1 / (ixy[i] * ixy[i] + iyy[i] * iyy[i] + zeta2)
                        let rx = ixz[i] + ixx[i] * du[i] + ixy[i] * dv[i]
                        let ry = iyz[i] + ixy[i] * du[i] + iyy[i] * dv[i]
                        let b = s.gamma / (2 * (nx * rx * rx + ny * ry * ry + eps2).squareRoot())
                        let (bx, by) = (b * nx, b * ny)
                        a11[i] = a * ix[i] * ix[i] + bx * ixx[i] * ixx[i] + by * ixy[i] * ixy[i] + zeta2
                        a12[i] = a * ix[i] * iy[i] + bx * ixx[i] * ixy[i] + by * ixy[i] * iyy[i]
                        a22[i] = a * iy[i] * iy[i] + bx * ixy[i] * ixy[i] + by * iyy[i] * iyy[i] + zeta2
                        b1[i] = -(a * ix[i] * iz[i] + bx * ixx[i] * ixz[i] + by * ixy[i] * iyz[i])
                        b2[i] = -(a * iy[i] * iz[i] + bx * ixy[i] * ixz[i] + by * iyy[i] * iyz[i])
                    }
                    // Smoothness weight per pixel from forward differences of the current total flow.
                    for y in 0..<h {
                        for x in 0..<w {
                            let i = y * w + x
                            let r = y * w + min(x + 1, w - 1), d = min(y + 1, h - 1) * w + x
                            let ux = (u[r] + du[r]) - (u[i] + du[i]), uy = (u[d] + du[d]) - (u[i] + du[i])
                            let vx = (v[r] + dv[r]) - (v[i] + dv[i]), vy = (v[d] + dv[d]) - (v[i] + dv[i])
                            smooth[i] = s.alpha / (2 * (ux * ux + uy * uy + vx * vx + vy * vy + eps2).squareRoot())
                        }
                    }
                    sor(du: du, dv: dv, u: u.baseAddress!, v: v.baseAddress!, width: w, height: h, smooth: smooth,
                        a11: a11, a12: a12, a22: a22, b1: b1, b2: b2)
                }
            } }
            } }
            } } }
        }
        var out = flow
        for i in 0..<count {
            out.u[i] += planes[Plane.du.rawValue * count + i]
            out.v[i] += planes[Plane.dv.rawValue * count + i]
        }
        return out
    }

    /// Successive over-relaxation sweeps on the linearised system: for each pixel,
    /// (A + Σw)·(du, dv) = b + Σ w_n·(flow_n + d_n − flow), each link weighted by the smoothness
    /// weight of its left or upper pixel.
    private func sor(du: UnsafeMutablePointer<Float>, dv: UnsafeMutablePointer<Float>,
                     u: UnsafePointer<Float>, v: UnsafePointer<Float>, width w: Int, height h: Int,
                     smooth s: UnsafeMutablePointer<Float>, a11: UnsafeMutablePointer<Float>, a12: UnsafeMutablePointer<Float>,
                     a22: UnsafeMutablePointer<Float>, b1: UnsafeMutablePointer<Float>, b2: UnsafeMutablePointer<Float>) {
        let omega = settings.omega
        for _ in 0..<settings.sorIterations {
            for y in 0..<h {
                for x in 0..<w {
                    let i = y * w + x
                    var weightSum: Float = 0, su: Float = 0, sv: Float = 0
                    if x > 0 {
                        let k = s[i - 1]; weightSum += k
                        su += k * (u[i - 1] + du[i - 1] - u[i]); sv += k * (v[i - 1] + dv[i - 1] - v[i])
                    }
                    if x + 1 < w {
                        let k = s[i]; weightSum += k
                        su += k * (u[i + 1] + du[i + 1] - u[i]); sv += k * (v[i + 1] + dv[i + 1] - v[i])
                    }
                    if y > 0 {
                        let k = s[i - w]; weightSum += k
                        su += k * (u[i - w] + du[i - w] - u[i]); sv += k * (v[i - w] + dv[i - w] - v[i])
                    }
                    if y + 1 < h {
                        let k = s[i]; weightSum += k
                        su += k * (u[i + w] + du[i + w] - u[i]); sv += k * (v[i + w] + dv[i + w] - v[i])
                    }
                    let newU = (b1[i] + su - a12[i] * dv[i]) / (a11[i] + weightSum)
                    du[i] = (1 - omega) * du[i] + omega * newU
                    let newV = (b2[i] + sv - a12[i] * du[i]) / (a22[i] + weightSum)
                    dv[i] = (1 - omega) * dv[i] + omega * newV
                }
            }
        }
    }
}
