import Foundation

/// The 3D prior's image losses on a refined face crop, with geometry frozen per frame:
///
///     u = S·I                                  UV unwrap (bilinear gather; adjoint Sᵀ)
///     α(I) = (W + λ·Δ)⁻¹ W (u ⊘ shading)       albedo: shading-free colour, smoothed by a
///                                              membrane prior Δ (grid Laplacian) over the UV map;
///     α(I) = μ + B (BᵀWB + λI)⁻¹ BᵀW (u ⊘ shading − μ)    with a user-supplied albedo basis
///     δ(I) = ℓ − B(ℓ),  ℓ = log(luma(u) + ε)   detail: high-passed log-luminance
///     L_albedo = w_a · mean_valid |B_R(α(I_o) − α(I_target))|²   skin tone follows the target (neck)
///     L_detail = w_d · mean_valid (δ(I_o) − δ_ref)²             static detail of the identity
///     β̂(I) = (AᵀA + λI)⁻¹ Aᵀ (u − ρ ⊙ shading),  A = ρ ⊙ ∂shading/∂β    photometric shape
///     L_shape = w_s · mean_k (β̂(I_o) − β_ref)²                 shape of the identity
///
/// W marks the visible skin texels, shading = the target frame's 9-coefficient SH light on the
/// frame's normals (normalised to mean 1), B a normalised box blur over valid texels (B_R: radius
/// R; by default wide enough to span the map, so B_R is the mean over the visible skin). The
/// albedo is compared through B_R so only its tone is: α also carries the target's features
/// (brows, lips, eye shapes), and matching those pulls the output back toward the target crop,
/// undoing the swap — per texel, and through a 13-texel box once in twelve skin-transfer fits on
/// the test bed; by the mean tone none of those twelve, but one of three clips whose swap changes
/// the skin tone still went back to the target (docs/reference.md and docs/benchmarks.md, "3D face prior" benchmarks). α is linear
/// in I, so its gradient is exact through Sᵀ and one more solve with the same symmetric matrix;
/// δ is exact through the log's derivative. δ_ref is the mean δ over reference images (the
/// identity photos, else the proxy frames): the detail that stays put. The shape term linearises
/// the shading around the frame's fitted shape (∂shading/∂β from the surface's normal modes, ρ the
/// target albedo), so β̂ is linear in I and its gradient exact; β_ref is the mean β̂ of the
/// reference images, each on its own light and albedo.
public final class TextureLosses {
    public struct Settings: Codable, Sendable {
        public var albedoWeight: Double = 1
        public var detailWeight: Double = 0.1
        public var shapeWeight: Double = 0.1
        /// Ridge of the photometric shape solve, relative to the mean diagonal of AᵀA.
        public var shapeRidge: Double = 0.01
        public var textureSize = 48
        /// λ of the albedo's membrane prior (larger: smoother skin tone).
        public var smoothness: Double = 4
        /// Ridge of the albedo-basis solve, relative to the mean diagonal of BᵀWB.
        public var basisRidge: Double = 0.01
        public var blurRadius = 2
        /// Radius R (texels) of the box the albedo is compared through: its tone, not its
        /// features. R ≥ textureSize − 1 (the box spans the map) compares the mean tone over the
        /// visible skin; 0 compares texel by texel.
        public var albedoToneRadius = 256
        public init() {}
    }

    public struct Values: Sendable {
        public var albedo: Double
        public var detail: Double
        public var shape: Double = 0
    }

    static let lumaWeights = SIMD3<Double>(0.299, 0.587, 0.114)
    static let logEpsilon = 0.02

    public let settings: Settings
    /// A linear albedo model over the same UV grid (FLAME's albedo spaces); nil: per-texel albedo.
    public let albedoBasis: AlbedoBasis?
    let surfaces: [FaceSurface]
    /// The target crop of a frame at a size, channel-planar RGB in [0, 1].
    let target: (Int, Int) -> [Float]
    private var frames: [Int: FrameState] = [:]
    private var detailReference: (values: [Double], valid: [Bool])?
    private var shapeReference: [Double]?

    struct FrameState {
        var sampler: UVSampler
        /// The detail's high-pass blur and the albedo's tone box over this sampler's texels.
        var detailBlur: TexelBlur
        var toneBlur: TexelBlur
        /// Per texel of the sampler.
        var shading: [Double]
        /// Target albedo over the full T×T grid (valid texels matter).
        var targetAlbedo: [SIMD3<Double>]
        /// Photometric shape: A[(texel, channel), k] = ρ·∂shading/∂β_k (texel·3 + channel rows,
        /// K columns) and M = (AᵀA + λI)⁻¹, so β̂(u) = M Aᵀ (u − ρ ⊙ shading).
        var shapeDesign: [Double] = []
        var shapeInverse: [Double] = []
        /// (BᵀWB + λI)⁻¹ over this frame's visible texels (albedo basis only), K×K.
        var basisInverse: [Double] = []
        var modes: Int { sampler.texels.first?.normalModes.count ?? 0 }
    }

    public init(surfaces: [FaceSurface], settings: Settings, albedoBasis: AlbedoBasis? = nil, target: @escaping (Int, Int) -> [Float]) {
        precondition(albedoBasis.map { $0.textureSize == settings.textureSize } ?? true, "albedo basis on another grid")
        self.surfaces = surfaces
        self.settings = settings
        self.albedoBasis = albedoBasis
        self.target = target
    }

    /// Sets δ_ref from reference images (each with its surface): the mean detail where seen.
    public func setDetailReference(_ images: [(surface: FaceSurface, rgb: [Float], size: Int)]) {
        let t = settings.textureSize
        var sum = [Double](repeating: 0, count: t * t), count = [Double](repeating: 0, count: t * t)
        for image in images {
            let sampler = UVSampler(image.surface, width: image.size, height: image.size, textureSize: t)
            let u = sampler.gather { Double(image.rgb[$0]) }
            let delta = detail(u, blur: detailBlur(sampler)).delta
            for (k, texel) in sampler.texels.enumerated() { sum[texel.index] += delta[k]; count[texel.index] += 1 }
        }
        detailReference = (zip(sum, count).map { $1 > 0 ? $0 / $1 : 0 }, count.map { $0 > 0 })
    }

    private func state(_ frame: Int, size: Int) -> FrameState {
        let key = frame * 8192 + size
        if let known = frames[key] { return known }
        let s = makeState(surfaces[frame], rgb: target(frame, size), size: size)
        frames[key] = s
        return s
    }

    /// Light, shading, albedo and the photometric shape system of one image on its surface.
    private func makeState(_ surface: FaceSurface, rgb: [Float], size: Int) -> FrameState {
        let sampler = UVSampler(surface, width: size, height: size, textureSize: settings.textureSize)
        let u = sampler.gather { Double(rgb[$0]) }
        let light = SphericalHarmonics.solve(normals: sampler.texels.map(\.normal), values: u.map { Double(($0 * Self.lumaWeights).sum()) })
        let raw = sampler.texels.map { SphericalHarmonics.shade($0.normal, light) }
        let mean = max(1e-6, raw.isEmpty ? 1 : raw.reduce(0, +) / Double(raw.count))
        var s = FrameState(sampler: sampler, detailBlur: detailBlur(sampler),
                           toneBlur: TexelBlur(side: settings.textureSize, radius: settings.albedoToneRadius, indices: sampler.texels.map(\.index)),
                           shading: raw.map { max(0.2, $0 / mean) }, targetAlbedo: [])
        if let basis = albedoBasis { s.basisInverse = Self.basisInverse(basis, sampler: sampler, ridge: settings.basisRidge) }
        s.targetAlbedo = albedo(u, s)
        let k = s.modes
        guard k > 0, settings.shapeWeight > 0 else { return s }
        var design = [Double](repeating: 0, count: sampler.texels.count * 3 * k)
        for (i, texel) in sampler.texels.enumerated() where raw[i] / mean > 0.2 {
            let g = SphericalHarmonics.shadeGradient(texel.normal, light) / mean
            let rho = s.targetAlbedo[texel.index]
            for m in 0..<k {
                let b = (g * texel.normalModes[m]).sum()
                for c in 0..<3 { design[(i * 3 + c) * k + m] = rho[c] * b }
            }
        }
        var normal = [Double](repeating: 0, count: k * k)
        for row in 0..<(sampler.texels.count * 3) {
            for a in 0..<k { for b in 0..<k { normal[a * k + b] += design[row * k + a] * design[row * k + b] } }
        }
        let ridge = max(1e-9, settings.shapeRidge * (0..<k).map { normal[$0 * k + $0] }.reduce(0, +) / Double(k))
        for a in 0..<k { normal[a * k + a] += ridge }
        s.shapeDesign = design
        s.shapeInverse = DenseSolve.inverse(normal, n: k) ?? [Double](repeating: 0, count: k * k)
        return s
    }

    /// β̂ of gathered colours: M Aᵀ (u − ρ ⊙ shading).
    private func shape(_ u: [SIMD3<Double>], _ s: FrameState) -> [Double] {
        guard !s.shapeDesign.isEmpty else { return [] }
        let k = s.modes
        var projected = [Double](repeating: 0, count: k)
        for (i, texel) in s.sampler.texels.enumerated() {
            let residual = u[i] - s.targetAlbedo[texel.index] * s.shading[i]
            for c in 0..<3 { for m in 0..<k { projected[m] += s.shapeDesign[(i * 3 + c) * k + m] * residual[c] } }
        }
        return (0..<k).map { a in (0..<k).map { s.shapeInverse[$0 * k + a] * projected[$0] }.reduce(0, +) }
    }

    /// Sets β_ref from reference images: the mean photometric shape, each image on its own light and albedo.
    public func setShapeReference(_ images: [(surface: FaceSurface, rgb: [Float], size: Int)]) {
        let estimates = images.map { image -> [Double] in
            let s = makeState(image.surface, rgb: image.rgb, size: image.size)
            return shape(s.sampler.gather { Double(image.rgb[$0]) }, s)
        }.filter { !$0.isEmpty }
        guard let first = estimates.first else { shapeReference = nil; return }
        shapeReference = (0..<first.count).map { k in estimates.map { $0[k] }.reduce(0, +) / Double(estimates.count) }
    }

    /// α over the T×T grid from gathered colours.
    private func albedo(_ u: [SIMD3<Double>], _ s: FrameState) -> [SIMD3<Double>] {
        let t = settings.textureSize
        if let basis = albedoBasis {
            // c = M Bᵀ W (x − μ), α = μ + B c.
            let texels = s.sampler.texels
            let code = Self.multiply(s.basisInverse, basis.project(texels.indices.map { k in
                (texels[k].index, u[k] / s.shading[k] - basis.mean[texels[k].index])
            }))
            return basis.mean.indices.map { basis.mean[$0] + basis.combine(code, at: $0) }
        }
        var x = [SIMD3<Double>](repeating: .zero, count: t * t), w = [Double](repeating: 0, count: t * t)
        for (k, texel) in s.sampler.texels.enumerated() { x[texel.index] = u[k] / s.shading[k]; w[texel.index] = 1 }
        return membraneSolve(x, weights: w)
    }

    /// (BᵀWB + λI)⁻¹ with W the visible texels of one frame; λ relative to the mean diagonal.
    static func basisInverse(_ basis: AlbedoBasis, sampler: UVSampler, ridge: Double) -> [Double] {
        let k = basis.components
        var normal = [Double](repeating: 0, count: k * k)
        for texel in sampler.texels {
            for a in 0..<k {
                let ba = basis.basis[a][texel.index]
                for b in a..<k { normal[a * k + b] += (ba * basis.basis[b][texel.index]).sum() }
            }
        }
        for a in 0..<k { for b in 0..<a { normal[a * k + b] = normal[b * k + a] } }
        let lambda = max(1e-12, ridge * (0..<k).map { normal[$0 * k + $0] }.reduce(0, +) / Double(max(k, 1)))
        for a in 0..<k { normal[a * k + a] += lambda }
        return DenseSolve.inverse(normal, n: k) ?? [Double](repeating: 0, count: k * k)
    }

    /// A symmetric K×K matrix (row-major) times a vector.
    static func multiply(_ m: [Double], _ v: [Double]) -> [Double] {
        let k = v.count
        return (0..<k).map { a in (0..<k).reduce(0.0) { $0 + m[a * k + $1] * v[$1] } }
    }

    /// (W + λΔ)⁻¹ b, per channel, by conjugate gradients (the matrix is symmetric positive definite).
    func membraneSolve(_ rhs: [SIMD3<Double>], weights w: [Double]) -> [SIMD3<Double>] {
        let t = settings.textureSize, n = t * t, lambda = settings.smoothness
        func apply(_ v: [SIMD3<Double>]) -> [SIMD3<Double>] {
            var out = [SIMD3<Double>](repeating: .zero, count: n)
            for y in 0..<t {
                for x in 0..<t {
                    let i = y * t + x
                    var lap = SIMD3<Double>.zero
                    if x > 0 { lap += v[i] - v[i - 1] }
                    if x + 1 < t { lap += v[i] - v[i + 1] }
                    if y > 0 { lap += v[i] - v[i - t] }
                    if y + 1 < t { lap += v[i] - v[i + t] }
                    out[i] = w[i] * v[i] + lambda * lap
                }
            }
            return out
        }
        func dot(_ a: [SIMD3<Double>], _ b: [SIMD3<Double>]) -> SIMD3<Double> {
            var s = SIMD3<Double>.zero
            for i in 0..<n { s += a[i] * b[i] }
            return s
        }
        let b = zip(rhs, w).map { $0 * $1 }
        var x = [SIMD3<Double>](repeating: .zero, count: n), r = b, p = r
        var rr = dot(r, r)
        let stop = dot(b, b) * 1e-14
        for _ in 0..<400 {
            if all(rr .<= stop) { break }
            let ap = apply(p)
            let pap = dot(p, ap)
            let alpha = (rr / SIMD3<Double>(pap.x == 0 ? 1 : pap.x, pap.y == 0 ? 1 : pap.y, pap.z == 0 ? 1 : pap.z))
            for i in 0..<n { x[i] += alpha * p[i]; r[i] -= alpha * ap[i] }
            let next = dot(r, r)
            let beta = (next / SIMD3<Double>(rr.x == 0 ? 1 : rr.x, rr.y == 0 ? 1 : rr.y, rr.z == 0 ? 1 : rr.z))
            for i in 0..<n { p[i] = r[i] + beta * p[i] }
            rr = next
        }
        return x
    }

    /// The detail's high-pass blur over a sampler's texels.
    private func detailBlur(_ sampler: UVSampler) -> TexelBlur {
        TexelBlur(side: settings.textureSize, radius: settings.blurRadius, indices: sampler.texels.map(\.index))
    }

    /// δ per sampler texel, with what backward needs.
    private func detail(_ u: [SIMD3<Double>], blur: TexelBlur) -> (delta: [Double], luma: [Double]) {
        let luma = u.map { ($0 * Self.lumaWeights).sum() }
        let log = luma.map { Foundation.log(max($0, 0) + Self.logEpsilon) }
        let blurred = blur.apply(log)
        return (zip(log, blurred).map { $0 - $1 }, luma)
    }

    /// The losses of a refined crop (channel-planar RGB [3, size, size] in [0, 1]) of `frame`;
    /// adds their gradient into `gradient` (same layout).
    public func evaluate(rgb: UnsafePointer<Float>, size: Int, frame: Int, gradient: UnsafeMutablePointer<Float>) -> Values {
        evaluate(pixel: { Double(rgb[$0]) }, size: size, frame: frame) { gradient[$0] += Float($1) }
    }

    /// The same in Double (what gradient checks call).
    public func evaluate(rgb: [Double], size: Int, frame: Int, gradient: inout [Double]) -> Values {
        var g = gradient
        defer { gradient = g }
        return evaluate(pixel: { rgb[$0] }, size: size, frame: frame) { g[$0] += $1 }
    }

    func evaluate(pixel: (Int) -> Double, size: Int, frame: Int, add: (Int, Double) -> Void) -> Values {
        let s = state(frame, size: size)
        let texels = s.sampler.texels
        guard !texels.isEmpty else { return Values(albedo: 0, detail: 0, shape: 0) }
        let u = s.sampler.gather(pixel)
        var dU = [SIMD3<Double>](repeating: .zero, count: texels.count)
        var values = Values(albedo: 0, detail: 0, shape: 0)

        if settings.albedoWeight > 0 {
            let a = albedo(u, s)
            let scale = settings.albedoWeight / Double(3 * texels.count)
            let difference = texels.map { a[$0.index] - s.targetAlbedo[$0.index] }
            let tone = s.toneBlur.apply(difference)
            values.albedo = scale * tone.reduce(0.0) { $0 + ($1 * $1).sum() }
            let dTone = tone.map { 2 * scale * $0 }
            let dDifference = s.toneBlur.adjoint(dTone)
            var seed = [SIMD3<Double>](repeating: .zero, count: a.count)
            for (k, texel) in texels.enumerated() { seed[texel.index] = dDifference[k] }
            if let basis = albedoBasis {
                // α = μ + B M Bᵀ W (x − μ): dx = W B M Bᵀ seed (M symmetric; the seed is on valid texels).
                let h = Self.multiply(s.basisInverse, basis.project(texels.map { ($0.index, seed[$0.index]) }))
                for (k, texel) in texels.enumerated() { dU[k] += basis.combine(h, at: texel.index) / s.shading[k] }
            } else {
                // α = (W + λΔ)⁻¹ W x with a symmetric matrix, so dx = W (W + λΔ)⁻¹ seed; the seed
                // lives on valid texels only, where W·seed = seed, so one more solve gives it.
                var weights = [Double](repeating: 0, count: a.count)
                for texel in texels { weights[texel.index] = 1 }
                let back = membraneSolve(seed, weights: weights)
                for (k, texel) in texels.enumerated() { dU[k] += back[texel.index] / s.shading[k] }
            }
        }
        if settings.detailWeight > 0, let reference = detailReference {
            let (delta, luma) = detail(u, blur: s.detailBlur)
            let used = texels.indices.filter { reference.valid[texels[$0].index] }
            if !used.isEmpty {
                let scale = settings.detailWeight / Double(used.count)
                var dDelta = [Double](repeating: 0, count: texels.count)
                var total = 0.0
                for k in used {
                    let d = delta[k] - reference.values[texels[k].index]
                    total += d * d
                    dDelta[k] = 2 * scale * d
                }
                values.detail = total * scale
                let adjoint = s.detailBlur.adjoint(dDelta)
                for k in texels.indices {
                    let dLog = dDelta[k] - adjoint[k]
                    dU[k] += dLog / (max(luma[k], 0) + Self.logEpsilon) * (luma[k] > 0 ? Self.lumaWeights : .zero)
                }
            }
        }
        if settings.shapeWeight > 0, let reference = shapeReference, !s.shapeDesign.isEmpty, s.modes == reference.count {
            let k = s.modes
            let beta = shape(u, s)
            let scale = settings.shapeWeight / Double(k)
            values.shape = scale * zip(beta, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
            // β̂ = M Aᵀ (u − ρ⊙sh): du = A M ∇β (M symmetric).
            let dBeta = zip(beta, reference).map { 2 * scale * ($0 - $1) }
            let mg = (0..<k).map { a in (0..<k).map { s.shapeInverse[a * k + $0] * dBeta[$0] }.reduce(0, +) }
            for i in texels.indices {
                for c in 0..<3 {
                    var g = 0.0
                    for m in 0..<k { g += s.shapeDesign[(i * 3 + c) * k + m] * mg[m] }
                    dU[i][c] += g
                }
            }
        }
        s.sampler.scatter(dU, add)
        return values
    }
}
