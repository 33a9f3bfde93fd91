import Faces
import Foundation

/// The built-in 3D face prior (used when no FLAME file is given; reported as the landmark
/// prior, never as FLAME): the 68 landmarks as a 3D surface.
///
/// - Mean shape: dlib's mean face (the 68-point predictor's starting shape) for x and y, with a
///   depth profile of our own — an ellipsoid cap, the nose ridge and tip forward, the eyes set
///   back, the lips slightly forward (rough anatomy; a prior, not a measurement).
/// - Per-person shape: the clip's landmarks aligned to the mean by similarity transforms and
///   averaged (x, y); depth from the mean.
/// - Per-frame pose: orthographic (weak-perspective) fit of that 3D shape to the frame's landmarks.
/// - Surface: a Delaunay triangulation of the mean face, smooth vertex normals; UV = the mean
///   face's layout, so texels mean the same place for every person and frame.
public struct LandmarkPrior: Sendable {
    public let shape: [SIMD3<Double>]
    public let uv: [SIMD2<Double>]
    public let triangles: [SIMD3<Int32>]
    public let skin: [Bool]
    let normals: [SIMD3<Double>]
    /// d(vertex normal)/d(β_k) at rest for the shape modes (see `depthModes`).
    let normalModes: [[SIMD3<Double>]]

    public static let name = "landmark prior (68-point 3D face built in; not FLAME)"

    /// - Parameters:
    ///   - meanShape: the predictor's 68-point mean face (unit box coordinates).
    ///   - tracks: the clip's landmarks (any pixel coordinates), frames with 68 points each.
    public init(meanShape: [SIMD2<Double>], tracks: [[SIMD2<Double>]]) {
        precondition(meanShape.count == 68)
        let depth = Self.depthProfile(meanShape)
        // Per-person layout: the mean of the frames aligned onto the mean face.
        var layout = meanShape
        let usable = tracks.filter { $0.count == 68 }
        if !usable.isEmpty {
            var sum = [SIMD2<Double>](repeating: .zero, count: 68)
            for frame in usable {
                let aligned = Self.align(frame, onto: meanShape)
                for i in 0..<68 { sum[i] += aligned[i] }
            }
            layout = sum.map { $0 / Double(usable.count) }
        }
        shape = (0..<68).map { SIMD3(layout[$0].x, layout[$0].y, depth[$0]) }
        let lo = meanShape.reduce(SIMD2(Double.infinity, .infinity)) { pointwiseMin($0, $1) }
        let hi = meanShape.reduce(SIMD2(-Double.infinity, -.infinity)) { pointwiseMax($0, $1) }
        uv = meanShape.map { 0.04 + 0.92 * ($0 - lo) / (hi - lo) }
        triangles = Delaunay.triangulate(meanShape)
        let eyeL = Set(36...41), eyeR = Set(42...47), innerMouth = Set(60...67)
        skin = triangles.map { t in
            let ids = Set([Int(t.x), Int(t.y), Int(t.z)])
            return !(ids.isSubset(of: eyeL) || ids.isSubset(of: eyeR) || ids.isSubset(of: innerMouth))
        }
        normals = Self.vertexNormals(shape, triangles)
        let modes = Self.depthModes(shape)
        let (points, tris, eps) = (shape, triangles, 1e-4)
        normalModes = modes.map { mode in
            let plus = Self.vertexNormals(zip(points, mode).map { $0 + SIMD3(0, 0, eps * $1) }, tris)
            let minus = Self.vertexNormals(zip(points, mode).map { $0 - SIMD3(0, 0, eps * $1) }, tris)
            return zip(plus, minus).map { ($0 - $1) / (2 * eps) }
        }
    }

    /// The prior's shape modes β (what the photometric shape term estimates), as depth offsets per
    /// landmark in units of the face width: overall relief, nose, jaw line, brow ridge.
    static func depthModes(_ shape: [SIMD3<Double>]) -> [[Double]] {
        let width = shape[0...16].map(\.x).max()! - shape[0...16].map(\.x).min()!
        let meanZ = shape.map(\.z).reduce(0, +) / Double(shape.count)
        func on(_ range: ClosedRange<Int>) -> [Double] { (0..<shape.count).map { range.contains($0) ? 0.1 * width : 0 } }
        return [shape.map { 0.2 * ($0.z - meanZ) }, on(27...35), on(0...16), on(17...26)]
    }

    /// Ellipsoid cap over the face's outline plus the nose, eyes and lips (in units of the face width).
    static func depthProfile(_ m: [SIMD2<Double>]) -> [Double] {
        let jaw = m[0...16]
        let width = (jaw.map(\.x).max()! - jaw.map(\.x).min()!)
        let top = m[17...26].map(\.y).min()!, chin = m[8].y
        let centre = SIMD2((jaw.map(\.x).max()! + jaw.map(\.x).min()!) / 2, (top + chin) / 2)
        let a = 0.55 * width, b = 0.6 * (chin - top)
        var z = m.map { p -> Double in
            let q = (p - centre) / SIMD2(a, b)
            return 0.75 * width * max(0.05, 1 - (q * q).sum()).squareRoot()
        }
        let forward: [Int: Double] = [27: 0.06, 28: 0.11, 29: 0.17, 30: 0.25, 31: 0.08, 32: 0.11, 33: 0.14, 34: 0.11, 35: 0.08]
        for (i, d) in forward { z[i] += d * width }
        for i in 36...47 { z[i] -= 0.04 * width }
        for i in 48...67 { z[i] += 0.04 * width }
        return z
    }

    /// `points` moved by the similarity transform that takes them closest to `target`.
    static func align(_ points: [SIMD2<Double>], onto target: [SIMD2<Double>]) -> [SIMD2<Double>] {
        let (a, b, tx, ty) = similarityTransform(from: points.map { ($0.x, $0.y) }, to: target.map { ($0.x, $0.y) })
        return points.map { SIMD2(a * $0.x - b * $0.y + tx, b * $0.x + a * $0.y + ty) }
    }

    static func vertexNormals(_ v: [SIMD3<Double>], _ triangles: [SIMD3<Int32>]) -> [SIMD3<Double>] {
        var n = [SIMD3<Double>](repeating: .zero, count: v.count)
        for t in triangles {
            let a = v[Int(t.x)], b = v[Int(t.y)], c = v[Int(t.z)]
            var f = cross(b - a, c - a)
            if f.z < 0 { f = -f }
            for i in [t.x, t.y, t.z] { n[Int(i)] += f }
        }
        return n.map { $0 / max(1e-12, ($0 * $0).sum().squareRoot()) }
    }

    /// Weak-perspective pose of the 3D shape that best explains a frame's landmarks: rotation
    /// (rows r1, r2 from the affine least-squares camera, orthonormalised), scale, translation.
    public func pose(_ landmarks: [SIMD2<Double>]) -> (rotation: Matrix3, scale: Double, translation: SIMD2<Double>) {
        let n = Double(shape.count)
        let xc = shape.reduce(.zero, +) / n, yc = landmarks.reduce(.zero, +) / n
        var xx = [Double](repeating: 0, count: 9), yx = [Double](repeating: 0, count: 6)
        for (x, y) in zip(shape, landmarks) {
            let u = x - xc, v = y - yc
            for i in 0..<3 { for j in 0..<3 { xx[i * 3 + j] += u[i] * u[j] } }
            for i in 0..<2 { for j in 0..<3 { yx[i * 3 + j] += v[i] * u[j] } }
        }
        let rows = (0..<2).map { i -> SIMD3<Double> in
            let solved = DenseSolve.cholesky(xx, Array(yx[(i * 3)..<(i * 3 + 3)]), n: 3) ?? [i == 0 ? 1 : 0, i == 1 ? 1 : 0, 0]
            return SIMD3(solved[0], solved[1], solved[2])
        }
        let s1 = (rows[0] * rows[0]).sum().squareRoot(), s2 = (rows[1] * rows[1]).sum().squareRoot()
        let r1 = rows[0] / max(s1, 1e-12)
        var r2 = rows[1] - (rows[1] * r1).sum() * r1
        r2 /= max(1e-12, (r2 * r2).sum().squareRoot())
        let rotation = Matrix3(r1, r2, cross(r1, r2))
        let scale = (s1 + s2) / 2
        let projected = rotation * xc
        return (rotation, scale, yc - scale * SIMD2(projected.x, projected.y))
    }

    /// The frame's surface in the landmarks' own coordinates divided by `extent` (so crop pixel
    /// landmarks over the crop side give 0…1): vertices at the landmarks, depth and normals from
    /// the posed 3D shape.
    public func surface(_ landmarks: [SIMD2<Double>], extent: Double = 1) -> FaceSurface {
        let (rotation, scale, _) = pose(landmarks)
        return FaceSurface(points: landmarks.map { $0 / extent }, depth: shape.map { scale * (rotation * $0).z / extent },
                           normals: normals.map { rotation * $0 }, uv: uv, triangles: triangles, skin: skin,
                           normalModes: normalModes.map { $0.map { rotation * $0 } })
    }
}

@inline(__always) func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// Bowyer–Watson Delaunay triangulation of a small point set (counter-clockwise in x-right/y-down).
enum Delaunay {
    static func triangulate(_ points: [SIMD2<Double>]) -> [SIMD3<Int32>] {
        let lo = points.reduce(SIMD2(Double.infinity, .infinity)) { pointwiseMin($0, $1) }
        let hi = points.reduce(SIMD2(-Double.infinity, -.infinity)) { pointwiseMax($0, $1) }
        let span = max(hi.x - lo.x, hi.y - lo.y) * 20, mid = (lo + hi) / 2
        var all = points + [mid + SIMD2(-span, -span), mid + SIMD2(span, -span), mid + SIMD2(0, span)]
        let n = points.count
        var tris: [SIMD3<Int>] = [SIMD3(n, n + 1, n + 2)]
        func circumcircle(_ t: SIMD3<Int>) -> (SIMD2<Double>, Double) {
            let a = all[t.x], b = all[t.y], c = all[t.z]
            let d = 2 * (a.x * (b.y - c.y) + b.x * (c.y - a.y) + c.x * (a.y - b.y))
            let a2 = (a * a).sum(), b2 = (b * b).sum(), c2 = (c * c).sum()
            let centre = SIMD2((a2 * (b.y - c.y) + b2 * (c.y - a.y) + c2 * (a.y - b.y)) / d,
                               (a2 * (c.x - b.x) + b2 * (a.x - c.x) + c2 * (b.x - a.x)) / d)
            return (centre, ((a - centre) * (a - centre)).sum())
        }
        for i in 0..<n {
            let p = all[i]
            let bad = tris.filter { t in let (c, r2) = circumcircle(t); return ((p - c) * (p - c)).sum() < r2 }
            var edges: [(Int, Int)] = []
            for t in bad {
                for e in [(t.x, t.y), (t.y, t.z), (t.z, t.x)] {
                    if let k = edges.firstIndex(where: { ($0.0 == e.1 && $0.1 == e.0) || ($0.0 == e.0 && $0.1 == e.1) }) {
                        edges.remove(at: k)
                    } else {
                        edges.append(e)
                    }
                }
            }
            tris.removeAll { t in bad.contains(t) }
            tris += edges.map { SIMD3($0.0, $0.1, i) }
        }
        all.removeLast(3)
        return tris.filter { $0.max() < n }.map { SIMD3(Int32($0.x), Int32($0.y), Int32($0.z)) }
    }
}
