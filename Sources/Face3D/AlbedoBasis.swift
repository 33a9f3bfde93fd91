import Foundation

/// A linear albedo model over the prior's T×T UV grid: α = μ + Σ_k c_k·B_k, resampled from a
/// texture-space model in FLAME's UV layout — `FLAME_albedo_from_BFM.npz` (MU, PC: 512×512×3 in
/// BGR order, C order, components last) or MPI's `FLAME_texture.npz` (mean, tex_dir, 0…255).
/// Texel (x, y) of the grid sits at uv = ((x + ½)/T, (y + ½)/T) with v growing downwards, i.e.
/// at pixel (u·W − ½, v·H − ½) of the texture image, read bilinearly.
public struct AlbedoBasis: Sendable {
    public let textureSize: Int
    public let components: Int
    /// μ per texel, RGB in [0, 1].
    public let mean: [SIMD3<Double>]
    /// basis[k][texel]: component k per texel (same scale as μ).
    public let basis: [[SIMD3<Double>]]

    public init(textureSize: Int, mean: [SIMD3<Double>], basis: [[SIMD3<Double>]]) {
        precondition(mean.count == textureSize * textureSize && basis.allSatisfy { $0.count == mean.count }, "albedo basis shape")
        self.textureSize = textureSize
        self.mean = mean
        self.basis = basis
        components = basis.count
    }

    /// Bᵀ v for values v at some texels (index, RGB): one number per component.
    func project(_ values: [(index: Int, value: SIMD3<Double>)]) -> [Double] {
        var out = [Double](repeating: 0, count: components)
        for (index, value) in values { for m in 0..<components { out[m] += (basis[m][index] * value).sum() } }
        return out
    }

    /// (B c) at one texel.
    func combine(_ code: [Double], at index: Int) -> SIMD3<Double> {
        var out = SIMD3<Double>.zero
        for m in 0..<components { out += code[m] * basis[m][index] }
        return out
    }

    public static func resample(_ archive: NumpyArchive, textureSize t: Int, components wanted: Int) throws -> AlbedoBasis {
        let keys = archive.members["MU"] != nil ? ("MU", "PC") : ("mean", "tex_dir")
        let mu = try archive.member(keys.0), pc = try archive.member(keys.1)
        let side = Int((Double(mu.count / 3)).squareRoot().rounded())
        guard side > 1, side * side * 3 == mu.count else {
            throw PickleError(path: archive.path, reason: "\(keys.0) has \(mu.count) values, not a square RGB texture")
        }
        guard mu.count > 0, pc.count % mu.count == 0, pc.count / mu.count >= 1 else {
            throw PickleError(path: archive.path, reason: "\(keys.1) has \(pc.count) values, not a multiple of \(keys.0)'s \(mu.count)")
        }
        let available = pc.count / mu.count, k = min(wanted, available)
        // MU in 0…255 (FLAME_texture) or 0…1 (the BFM conversion): judged from the mean's own values.
        var sum = 0.0, seen = 0
        for i in stride(from: 0, to: mu.count, by: max(1, mu.count / 997)) {
            sum += archive.element(mu, i)
            seen += 1
        }
        let scale: Double = sum / Double(seen) > 2 ? 1.0 / 255 : 1
        // Texture pixel (x, y), channel c (RGB) = stored channel 2 − c (BGR).
        func bilinear(_ px: Double, _ py: Double, _ value: (Int) -> Double) -> SIMD3<Double> {
            let x = min(max(px, 0), Double(side - 1)), y = min(max(py, 0), Double(side - 1))
            let x0 = Int(x), y0 = Int(y), x1 = min(x0 + 1, side - 1), y1 = min(y0 + 1, side - 1)
            let fx = x - Double(x0), fy = y - Double(y0)
            var out = SIMD3<Double>.zero
            for c in 0..<3 {
                func at(_ xx: Int, _ yy: Int) -> Double { value((yy * side + xx) * 3 + (2 - c)) }
                let top = at(x0, y0) + (at(x1, y0) - at(x0, y0)) * fx, bottom = at(x0, y1) + (at(x1, y1) - at(x0, y1)) * fx
                out[c] = (top + (bottom - top) * fy) * scale
            }
            return out
        }
        let ratio = Double(side) / Double(t)
        let positions = (0..<(t * t)).map { i -> (Double, Double) in
            let x = (Double(i % t) + 0.5) * ratio - 0.5, y = (Double(i / t) + 0.5) * ratio - 0.5
            return (x, y)
        }
        let mean = positions.map { p in bilinear(p.0, p.1) { archive.element(mu, $0) } }
        let basis = (0..<k).map { component in
            positions.map { p in bilinear(p.0, p.1) { archive.element(pc, $0 * available + component) } }
        }
        return AlbedoBasis(textureSize: t, mean: mean, basis: basis)
    }
}

/// FLAME's texture layout from its `head_template.obj`: one UV per vertex, from the first face
/// corner that names it (the face region has no UV seams), as (u, 1 − v) so rows grow downwards
/// like the texture image's.
public enum TextureLayout {
    public static func vertexUV(objPath: String, vertices: Int) throws -> [SIMD2<Double>] {
        func fail(_ reason: String) -> PickleError { PickleError(path: objPath, reason: reason) }
        guard let text = try? String(contentsOfFile: objPath, encoding: .utf8) else { throw fail("cannot read the file") }
        var positions = 0, coordinates: [SIMD2<Double>] = []
        var uv = [SIMD2<Double>?](repeating: nil, count: vertices)
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            switch fields.first {
            case "v": positions += 1
            case "vt":
                guard fields.count >= 3, let u = Double(fields[1]), let v = Double(fields[2]) else { throw fail("bad line '\(line)'") }
                coordinates.append(SIMD2(u, 1 - v))
            case "f":
                for corner in fields.dropFirst() {
                    let parts = corner.split(separator: "/", omittingEmptySubsequences: false)
                    guard parts.count >= 2, let v = Int(parts[0]), let t = Int(parts[1]), v >= 1, v <= vertices, t >= 1, t <= coordinates.count else {
                        throw fail("face corner '\(corner)' needs a vertex and a texture index in range (v/vt)")
                    }
                    if uv[v - 1] == nil { uv[v - 1] = coordinates[t - 1] }
                }
            default: break
            }
        }
        guard positions == vertices else { throw fail("\(positions) vertices, the FLAME model has \(vertices)") }
        return uv.map { $0 ?? SIMD2(0, 0) }
    }
}
