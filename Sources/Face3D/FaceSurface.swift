import Foundation

/// One frame's face geometry as the 3D losses need it, in normalised image coordinates
/// (0…1 across the crop) so one surface serves every training resolution.
public struct FaceSurface: Sendable {
    /// Projected vertex positions (x right, y down, 0…1).
    public var points: [SIMD2<Double>]
    /// Vertex depth toward the camera (larger is nearer).
    public var depth: [Double]
    /// Unit vertex normals in camera space (z toward the camera).
    public var normals: [SIMD3<Double>]
    /// Texture coordinates (0…1): where each vertex sits in the shared UV map.
    public var uv: [SIMD2<Double>]
    public var triangles: [SIMD3<Int32>]
    /// Triangles whose texels count as skin (not eyes, not the mouth's inside).
    public var skin: [Bool]
    /// Shape modes: for each mode k, d(vertex normal)/d(β_k) (camera space), what the
    /// photometric shape term differentiates shading through. Empty: no shape term.
    public var normalModes: [[SIMD3<Double>]]

    public init(points: [SIMD2<Double>], depth: [Double], normals: [SIMD3<Double>], uv: [SIMD2<Double>], triangles: [SIMD3<Int32>], skin: [Bool],
                normalModes: [[SIMD3<Double>]] = []) {
        (self.points, self.depth, self.normals, self.uv, self.triangles, self.skin) = (points, depth, normals, uv, triangles, skin)
        self.normalModes = normalModes
    }
}

/// A z-buffer: for every pixel centre, the nearest triangle covering it and its depth.
public struct ZBuffer {
    public let width: Int
    public let height: Int
    public private(set) var triangle: [Int32]
    public private(set) var depth: [Double]

    public init(_ surface: FaceSurface, width: Int, height: Int) {
        self.width = width
        self.height = height
        triangle = [Int32](repeating: -1, count: width * height)
        depth = [Double](repeating: -.infinity, count: width * height)
        for (k, t) in surface.triangles.enumerated() {
            let p = [t.x, t.y, t.z].map { surface.points[Int($0)] * SIMD2(Double(width), Double(height)) - 0.5 }
            let z = [t.x, t.y, t.z].map { surface.depth[Int($0)] }
            Self.cover(p, width: width, height: height) { x, y, b in
                let d = b.x * z[0] + b.y * z[1] + b.z * z[2]
                let i = y * width + x
                if d > depth[i] { depth[i] = d; triangle[i] = Int32(k) }
            }
        }
    }

    /// Calls `body` for each pixel centre inside the triangle with its barycentric coordinates.
    static func cover(_ p: [SIMD2<Double>], width: Int, height: Int, _ body: (Int, Int, SIMD3<Double>) -> Void) {
        let area = (p[1].x - p[0].x) * (p[2].y - p[0].y) - (p[2].x - p[0].x) * (p[1].y - p[0].y)
        guard abs(area) > 1e-12 else { return }
        let x0 = max(0, Int(floor(min(p[0].x, p[1].x, p[2].x)))), x1 = min(width - 1, Int(ceil(max(p[0].x, p[1].x, p[2].x))))
        let y0 = max(0, Int(floor(min(p[0].y, p[1].y, p[2].y)))), y1 = min(height - 1, Int(ceil(max(p[0].y, p[1].y, p[2].y))))
        guard x0 <= x1, y0 <= y1 else { return }
        for y in y0...y1 {
            for x in x0...x1 {
                let q = SIMD2(Double(x), Double(y))
                let b = barycentric(q, p, area: area)
                if b.min() >= -1e-9 { body(x, y, b) }
            }
        }
    }

    static func barycentric(_ q: SIMD2<Double>, _ p: [SIMD2<Double>], area: Double) -> SIMD3<Double> {
        let b1 = ((p[2].x - p[1].x) * (q.y - p[1].y) - (q.x - p[1].x) * (p[2].y - p[1].y)) / area
        let b2 = ((p[0].x - p[2].x) * (q.y - p[2].y) - (q.x - p[2].x) * (p[0].y - p[2].y)) / area
        return SIMD3(b1, b2, 1 - b1 - b2)
    }
}

/// The UV unwrap S of one frame at one image size: every visible skin texel of a T×T map gathers
/// its image colour by bilinear interpolation, so u = S·I is linear in the image and its
/// adjoint (scatter) is Sᵀ. Texels also carry their normal for the shading.
public struct UVSampler {
    public struct Texel {
        public var index: Int
        public var pixels: (Int, Int, Int, Int)
        public var weights: (Double, Double, Double, Double)
        public var normal: SIMD3<Double>
        /// d(normal)/d(β_k) per shape mode (normalisation included).
        public var normalModes: [SIMD3<Double>]
    }

    public let textureSize: Int
    public let width: Int
    public let height: Int
    public private(set) var texels: [Texel] = []

    public init(_ surface: FaceSurface, width: Int, height: Int, textureSize: Int) {
        self.textureSize = textureSize
        self.width = width
        self.height = height
        let zbuffer = ZBuffer(surface, width: width, height: height)
        let scale = SIMD2(Double(width), Double(height))
        var seen = Set<Int>()
        for (k, t) in surface.triangles.enumerated() where surface.skin[k] {
            let ids = [Int(t.x), Int(t.y), Int(t.z)]
            let uv = ids.map { surface.uv[$0] * Double(textureSize) - 0.5 }
            let image = ids.map { surface.points[$0] * scale - 0.5 }
            let n = ids.map { surface.normals[$0] }, z = ids.map { surface.depth[$0] }
            ZBuffer.cover(uv, width: textureSize, height: textureSize) { tx, ty, b in
                let index = ty * textureSize + tx
                guard !seen.contains(index) else { return }
                let p = b.x * image[0] + b.y * image[1] + b.z * image[2]
                var normal = b.x * n[0] + b.y * n[1] + b.z * n[2]
                normal /= max(1e-12, (normal * normal).sum().squareRoot())
                guard normal.z > 0.05, p.x >= 0, p.y >= 0, p.x <= Double(width - 1), p.y <= Double(height - 1) else { return }
                // Visible: the z-buffer's nearest surface at that pixel is (about) this one.
                let near = min(height - 1, Int(p.y.rounded())) * width + min(width - 1, Int(p.x.rounded()))
                let d = b.x * z[0] + b.y * z[1] + b.z * z[2]
                guard zbuffer.triangle[near] == Int32(k) || d >= zbuffer.depth[near] - 0.02 else { return }
                // d n̂ = (I − n̂ n̂ᵀ) d m / |m| for m = Σ b_i n_i.
                let m = b.x * n[0] + b.y * n[1] + b.z * n[2], length = max(1e-12, (m * m).sum().squareRoot())
                let modes = surface.normalModes.map { mode -> SIMD3<Double> in
                    let dm = b.x * mode[ids[0]] + b.y * mode[ids[1]] + b.z * mode[ids[2]]
                    return (dm - (dm * normal).sum() * normal) / length
                }
                let x0 = min(width - 2, Int(p.x)), y0 = min(height - 2, Int(p.y))
                let fx = p.x - Double(x0), fy = p.y - Double(y0)
                seen.insert(index)
                texels.append(Texel(index: index, pixels: (y0 * width + x0, y0 * width + x0 + 1, (y0 + 1) * width + x0, (y0 + 1) * width + x0 + 1),
                                    weights: ((1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy), normal: normal,
                                    normalModes: modes))
            }
        }
        texels.sort { $0.index < $1.index }
    }

    /// u = S·I for channel-planar RGB [3, h, w] read through `pixel` (index into the planes).
    public func gather(_ pixel: (Int) -> Double) -> [SIMD3<Double>] {
        let plane = width * height
        return texels.map { t in
            var out = SIMD3<Double>.zero
            for c in 0..<3 {
                let o = c * plane
                out[c] = t.weights.0 * pixel(o + t.pixels.0) + t.weights.1 * pixel(o + t.pixels.1)
                    + t.weights.2 * pixel(o + t.pixels.2) + t.weights.3 * pixel(o + t.pixels.3)
            }
            return out
        }
    }

    /// Adds Sᵀ·u through `add(index, value)` (the adjoint of `gather`).
    public func scatter(_ u: [SIMD3<Double>], _ add: (Int, Double) -> Void) {
        let plane = width * height
        for (k, t) in texels.enumerated() {
            for c in 0..<3 {
                let o = c * plane, g = u[k][c]
                add(o + t.pixels.0, t.weights.0 * g)
                add(o + t.pixels.1, t.weights.1 * g)
                add(o + t.pixels.2, t.weights.2 * g)
                add(o + t.pixels.3, t.weights.3 * g)
            }
        }
    }
}
