import Foundation

/// FLAME's parameters: shape β, expression ψ (fewer than the model has: the rest are zero) and
/// the five joints' axis-angle rotations (global, neck, jaw, left eye, right eye).
public struct FLAMEParameters: Codable, Equatable, Sendable {
    public var shape: [Double]
    public var expression: [Double]
    public var pose: [SIMD3<Double>]

    public init(shape: [Double] = [], expression: [Double] = [], pose: [SIMD3<Double>] = Array(repeating: .zero, count: 5)) {
        self.shape = shape
        self.expression = expression
        self.pose = pose
    }
}

/// The FLAME head model read from a user-supplied `generic_model.pkl` (FLAME 2020/2023 or 2023
/// Open): template, shape and expression blendshapes (the last 100 of `shapedirs` are
/// expression), pose correctives, joint regressor, skinning weights, kinematic tree, triangles.
/// `forward` is FLAME's linear blend skinning (as DECA's lbs).
public struct FLAMEModel: Sendable {
    public static let expressionComponents = 100
    public static let jointCount = 5

    public let vertexCount: Int
    public let shapeCount: Int
    public let expressionCount: Int
    public let template: [SIMD3<Double>]
    public let triangles: [SIMD3<Int32>]
    /// (vertex·3 + axis) × components, row-major.
    let blendshapes: [Double]
    /// (vertex·3 + axis) × 36.
    let poseCorrectives: [Double]
    /// Vertex × 5.
    let weights: [Double]
    public let parents: [Int]
    /// Joint rest positions as an affine function of the blendshape coefficients (J_regressor applied).
    let jointTemplate: [SIMD3<Double>]
    /// (joint·3 + axis) × components.
    let jointBlendshapes: [Double]
    var components: Int { shapeCount + expressionCount }

    public static func load(_ path: String) throws -> FLAMEModel {
        try FLAMEModel(try PickleReader.read(path), path: path)
    }

    init(_ root: PickleValue, path: String) throws {
        func fail(_ why: String) -> PickleError { PickleError(path: path, reason: why + " (not a FLAME generic_model.pkl?)") }
        func array(_ key: String) throws -> NumpyArray {
            guard let a = root[key]?.numpy else { throw fail("no array '\(key)'") }
            return a
        }
        let v = try array("v_template")
        guard v.shape.count == 2, v.shape[1] == 3, v.shape[0] > 0 else { throw fail("v_template is \(v.shape), expected N×3") }
        let n = v.shape[0]
        let sd = try array("shapedirs"), pd = try array("posedirs"), w = try array("weights"), f = try array("f")
        guard sd.shape.count == 3, sd.shape[0] == n, sd.shape[1] == 3, sd.shape[2] > Self.expressionComponents else {
            throw fail("shapedirs is \(sd.shape), expected \(n)×3×K with K > \(Self.expressionComponents)")
        }
        guard pd.shape == [n, 3, 36] else { throw fail("posedirs is \(pd.shape), expected \(n)×3×36") }
        guard w.shape == [n, Self.jointCount] else { throw fail("weights is \(w.shape), expected \(n)×5") }
        guard f.shape.count == 2, f.shape[1] == 3, f.values.allSatisfy({ $0 >= 0 && $0 < Double(n) && $0 == $0.rounded() }) else {
            throw fail("f is not a triangle list over \(n) vertices")
        }
        guard let kin = root["kintree_table"]?.numpy, kin.shape == [2, Self.jointCount] else { throw fail("kintree_table is not 2×5") }
        let parents = (0..<Self.jointCount).map { j in j == 0 ? -1 : Int(kin.values[j]) }
        guard parents.enumerated().dropFirst().allSatisfy({ $0.element >= 0 && $0.element < $0.offset }) else {
            throw fail("kintree_table parents are not a tree rooted at joint 0")
        }
        let regressor = try Self.denseRegressor(root["J_regressor"], vertices: n, fail: fail)

        vertexCount = n
        shapeCount = sd.shape[2] - Self.expressionComponents
        expressionCount = Self.expressionComponents
        let vs = v.values, fs = f.values
        template = (0..<n).map { i -> SIMD3<Double> in SIMD3(vs[3 * i], vs[3 * i + 1], vs[3 * i + 2]) }
        triangles = (0..<f.shape[0]).map { i -> SIMD3<Int32> in
            let a = Int32(fs[3 * i]), b = Int32(fs[3 * i + 1]), c = Int32(fs[3 * i + 2])
            return SIMD3(a, b, c)
        }
        blendshapes = sd.values
        poseCorrectives = pd.values
        weights = w.values
        self.parents = parents
        let k = sd.shape[2]
        var jt = [SIMD3<Double>](repeating: .zero, count: Self.jointCount)
        var jb = [Double](repeating: 0, count: Self.jointCount * 3 * k)
        for j in 0..<Self.jointCount {
            for (vertex, weight) in regressor[j] {
                jt[j] += weight * template[vertex]
                for a in 0..<3 {
                    for c in 0..<k { jb[(j * 3 + a) * k + c] += weight * sd.values[(vertex * 3 + a) * k + c] }
                }
            }
        }
        jointTemplate = jt
        jointBlendshapes = jb
    }

    /// J_regressor: a scipy csc/csr matrix (state: _shape, indices, indptr, data) or a dense array → per-joint (vertex, weight).
    private static func denseRegressor(_ value: PickleValue?, vertices n: Int, fail: (String) -> PickleError) throws -> [[(Int, Double)]] {
        if let dense = value?.numpy {
            guard dense.shape == [jointCount, n] else { throw fail("J_regressor is \(dense.shape), expected 5×\(n)") }
            return (0..<jointCount).map { j in (0..<n).compactMap { dense.values[j * n + $0] != 0 ? ($0, dense.values[j * n + $0]) : nil } }
        }
        guard case .object(let object)? = value, object.type.contains("sparse"),
              let indices = object.state["indices"]?.numpy, let indptr = object.state["indptr"]?.numpy, let data = object.state["data"]?.numpy,
              case .tuple(let dims)? = object.state["_shape"] ?? object.state["shape"], dims.count == 2,
              case .int(let rows) = dims[0], case .int(let columns) = dims[1], rows == jointCount, columns == n,
              indices.count == data.count else {
            throw fail("J_regressor is not a 5×\(n) scipy sparse matrix")
        }
        let byColumn = object.type.contains("csc")
        let outer = byColumn ? columns : rows
        guard indptr.count == outer + 1, indptr.values.first == 0, indptr.values.last == Double(data.count),
              zip(indptr.values, indptr.values.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw fail("J_regressor's indptr is inconsistent") }
        var out = [[(Int, Double)]](repeating: [], count: jointCount)
        for o in 0..<outer {
            for p in Int(indptr.values[o])..<Int(indptr.values[o + 1]) {
                let inner = Int(indices.values[p])
                guard inner >= 0, inner < (byColumn ? rows : columns) else { throw fail("J_regressor index out of range") }
                let (joint, vertex) = byColumn ? (inner, o) : (o, inner)
                out[joint].append((vertex, data.values[p]))
            }
        }
        return out
    }

    /// Each vertex's skinning weight on the two eye joints (eyeballs are not skin).
    public var eyeWeights: [Double] { (0..<vertexCount).map { weights[$0 * Self.jointCount + 3] + weights[$0 * Self.jointCount + 4] } }

    /// Blendshape coefficients padded to the model's: shape then expression.
    func coefficients(_ p: FLAMEParameters) -> [Double] {
        var c = [Double](repeating: 0, count: components)
        for (i, b) in p.shape.prefix(shapeCount).enumerated() { c[i] = b }
        for (i, e) in p.expression.prefix(expressionCount).enumerated() { c[shapeCount + i] = e }
        return c
    }

    /// The skinning of one pose: each joint's world rotation and translation (vertex ↦ R·v + t
    /// for a vertex bound fully to that joint), and the posed joint positions.
    public struct Skinning {
        public var rotations: [Matrix3]
        public var translations: [SIMD3<Double>]
        public var joints: [SIMD3<Double>]
        /// (R_j − I) of joints 1…4, row-major: what the pose correctives multiply.
        var poseFeature: [Double]
    }

    public func skinning(_ p: FLAMEParameters, coefficients c: [Double]) -> Skinning {
        precondition(p.pose.count == Self.jointCount)
        let k = components
        let rest = (0..<Self.jointCount).map { j -> SIMD3<Double> in
            var x = jointTemplate[j]
            for a in 0..<3 {
                var s = 0.0
                for i in 0..<k where c[i] != 0 { s += jointBlendshapes[(j * 3 + a) * k + i] * c[i] }
                x[a] += s
            }
            return x
        }
        let local = p.pose.map { Matrix3.rotation(axisAngle: $0) }
        var world = [Matrix3](repeating: .identity, count: Self.jointCount)
        var origin = [SIMD3<Double>](repeating: .zero, count: Self.jointCount)
        for j in 0..<Self.jointCount {
            if parents[j] < 0 {
                world[j] = local[j]
                origin[j] = rest[j]
            } else {
                world[j] = world[parents[j]] * local[j]
                origin[j] = world[parents[j]] * (rest[j] - rest[parents[j]]) + origin[parents[j]]
            }
        }
        let translations = (0..<Self.jointCount).map { origin[$0] - world[$0] * rest[$0] }
        let feature = local.dropFirst().flatMap { ($0 + (-1) * Matrix3.identity).elements }
        return Skinning(rotations: world, translations: translations, joints: origin, poseFeature: feature)
    }

    /// One vertex at rest (blendshapes and pose correctives applied), before skinning.
    func restVertex(_ v: Int, coefficients c: [Double], poseFeature: [Double]) -> SIMD3<Double> {
        var x = template[v]
        let k = components
        for a in 0..<3 {
            var s = 0.0
            let row = (v * 3 + a) * k
            for i in 0..<k where c[i] != 0 { s += blendshapes[row + i] * c[i] }
            let prow = (v * 3 + a) * 36
            for i in 0..<36 { s += poseCorrectives[prow + i] * poseFeature[i] }
            x[a] += s
        }
        return x
    }

    /// The skinning blend of vertex v: Σ_j w_vj (R_j, t_j).
    func blend(_ v: Int, _ s: Skinning) -> (Matrix3, SIMD3<Double>) {
        var r = Matrix3(.zero, .zero, .zero), t = SIMD3<Double>.zero
        for j in 0..<Self.jointCount {
            let w = weights[v * Self.jointCount + j]
            guard w != 0 else { continue }
            r = r + w * s.rotations[j]
            t += w * s.translations[j]
        }
        return (r, t)
    }

    /// Posed vertices (all, or only `subset`) and posed joints.
    public func forward(_ p: FLAMEParameters, subset: [Int]? = nil) -> (vertices: [SIMD3<Double>], joints: [SIMD3<Double>]) {
        let c = coefficients(p)
        let s = skinning(p, coefficients: c)
        let vertices = (subset ?? Array(0..<vertexCount)).map { v -> SIMD3<Double> in
            let (r, t) = blend(v, s)
            return r * restVertex(v, coefficients: c, poseFeature: s.poseFeature) + t
        }
        return (vertices, s.joints)
    }
}
