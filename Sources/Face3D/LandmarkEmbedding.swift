import Foundation

/// Where the 68 iBUG landmarks sit on FLAME's mesh: a triangle and barycentric coordinates each
/// (TF_FLAME's `flame_static_embedding_68.pkl`: lmk_face_idx, lmk_b_coords). Optional dynamic
/// contour tables (DECA's dynamic_lmk_faces_idx / dynamic_lmk_bary_coords, 79 yaw bins × 17) move
/// the jaw line (landmarks 0–16) to the silhouette as the head turns.
public struct LandmarkEmbedding: Sendable {
    public struct Point: Sendable {
        public var triangle: Int
        public var barycentric: SIMD3<Double>
    }

    public let points: [Point]
    public let contour: [[Point]]?

    public static func load(_ path: String, model: FLAMEModel) throws -> LandmarkEmbedding {
        let root = try PickleReader.read(path)
        func fail(_ why: String) -> PickleError { PickleError(path: path, reason: why + " (expected a 68-landmark FLAME embedding)") }
        guard let faces = root["lmk_face_idx"]?.numpy, let bary = root["lmk_b_coords"]?.numpy else {
            throw fail("no lmk_face_idx / lmk_b_coords arrays")
        }
        guard faces.shape == [68], bary.shape == [68, 3] else { throw fail("lmk_face_idx is \(faces.shape), lmk_b_coords \(bary.shape)") }
        func points(_ f: ArraySlice<Double>, _ b: ArraySlice<Double>) throws -> [Point] {
            let fs = Array(f), bs = Array(b)
            return try fs.indices.map { i in
                let t = fs[i]
                guard t >= 0, t < Double(model.triangles.count), t == t.rounded() else { throw fail("triangle \(t) is not in the model") }
                return Point(triangle: Int(t), barycentric: SIMD3(bs[3 * i], bs[3 * i + 1], bs[3 * i + 2]))
            }
        }
        var contour: [[Point]]?
        if let df = root["dynamic_lmk_faces_idx"]?.numpy, let db = root["dynamic_lmk_bary_coords"]?.numpy {
            guard df.shape == [79, 17], db.shape == [79, 17, 3] else { throw fail("dynamic tables are \(df.shape) / \(db.shape), expected 79×17 / 79×17×3") }
            contour = try (0..<79).map { b in try points(df.values[(b * 17)..<(b * 17 + 17)], db.values[(b * 51)..<(b * 51 + 51)]) }
        }
        return LandmarkEmbedding(points: try points(faces.values[...], bary.values[...]), contour: contour)
    }

    /// DECA's bin for a head yaw (radians, FLAME's sign): a = round(−yaw in degrees) clamped to
    /// ≤ 39; bin a for a ≥ 0, 39 − a for −39 ≤ a < 0, 78 below.
    public static func contourBin(yaw: Double) -> Int {
        let a = Int(min(39, (-yaw * 180 / Double.pi).rounded()))
        return a >= 0 ? a : (a < -39 ? 78 : 39 - a)
    }

    /// The 68 landmark locations for a yaw: static points, jaw line from the contour table if any.
    public func points(yaw: Double) -> [Point] {
        guard let contour else { return points }
        var p = points
        let bin = contour[Self.contourBin(yaw: yaw)]
        for i in 0..<17 { p[i] = bin[i] }
        return p
    }
}
