import Foundation

/// Weak-perspective camera in pixels: u = s·X + tx, v = −s·Y + ty (FLAME's y points up).
public struct WeakPerspective: Codable, Equatable, Sendable {
    public var scale: Double
    public var tx: Double
    public var ty: Double

    public init(scale: Double, tx: Double, ty: Double) {
        self.scale = scale
        self.tx = tx
        self.ty = ty
    }

    public func project(_ p: SIMD3<Double>) -> SIMD2<Double> { SIMD2(scale * p.x + tx, -scale * p.y + ty) }
}

/// One frame's fitted FLAME state.
public struct FLAMEFrame: Codable, Equatable, Sendable {
    public var expression: [Double]
    public var globalPose: SIMD3<Double>
    public var jawPose: SIMD3<Double>
    public var camera: WeakPerspective
    /// RMS landmark error of the fit in pixels.
    public var landmarkError: Double
}

/// The fit of a clip (or of a set of identity photos): one shape for the person, a state per frame.
public struct FLAMEFit: Codable, Sendable {
    public var shape: [Double]
    public var frames: [FLAMEFrame]

    public func parameters(_ t: Int) -> FLAMEParameters {
        var pose = [SIMD3<Double>](repeating: .zero, count: FLAMEModel.jointCount)
        pose[0] = frames[t].globalPose
        pose[2] = frames[t].jawPose
        return FLAMEParameters(shape: shape, expression: frames[t].expression, pose: pose)
    }
}

/// 68-landmark positions on the posed mesh and their derivatives.
public enum FLAMELandmarks {
    public static func positions(_ points: [LandmarkEmbedding.Point], vertices: [SIMD3<Double>], triangles: [SIMD3<Int32>]) -> [SIMD3<Double>] {
        points.map { p in
            let t = triangles[p.triangle]
            return p.barycentric.x * vertices[Int(t.x)] + p.barycentric.y * vertices[Int(t.y)] + p.barycentric.z * vertices[Int(t.z)]
        }
    }
}

/// Fits FLAME to 68-point landmark tracks (MAP, Gaussian priors):
///
///     E = Σ_f Σ_i |Π_f(L_i(β, ψ_f, θ_f))  − x_fi|² / σ_l²  +  |β|²  +  Σ_f |ψ_f|²  +  Σ_f |θ_jaw,f|² / σ_jaw²
///       + Σ_f |q_f − q_(f−1)|²_smooth
///
/// with one shape β for the person, per frame expression ψ_f, global and jaw rotation, and a
/// weak-perspective camera Π_f; the jaw line uses the yaw-dependent contour points when the
/// embedding has them. Minimised by block-coordinate Levenberg–Marquardt: a Gauss–Newton solve
/// for β over all frames (landmarks are affine in β at fixed pose, so that step is exact), then a
/// damped step for each frame's (ψ, pose, camera) with its neighbours held (analytic Jacobian for
/// ψ, central differences for the six rotation angles, analytic for the camera).
public struct FLAMEFitter {
    public struct Options: Codable, Sendable {
        public var shapeComponents = 100
        public var expressionComponents = 50
        /// Landmark noise σ_l as a fraction of the face's size (RMS landmark spread).
        public var landmarkSigma = 0.01
        public var jawSigma = 0.3
        /// Frame-to-frame σ of expression (prior units), rotations (radians) and camera (fraction of face size); 0 turns smoothing off.
        public var smoothExpression = 0.5
        public var smoothRotation = 0.05
        public var smoothCamera = 0.05
        public var temporal = true
        public var iterations = 20
        public init() {}
    }

    let model: FLAMEModel
    let embedding: LandmarkEmbedding
    let options: Options
    let nShape: Int
    let nExpression: Int

    public init(model: FLAMEModel, embedding: LandmarkEmbedding, options: Options = Options()) {
        self.model = model
        self.embedding = embedding
        self.options = options
        nShape = min(options.shapeComponents, model.shapeCount)
        nExpression = min(options.expressionComponents, model.expressionCount)
    }

    /// Per-frame parameter vector layout: ψ, global (3), jaw (3), s, tx, ty.
    var frameSize: Int { nExpression + 9 }

    public func fit(_ landmarks: [[SIMD2<Double>]], progress: ((Int, Double) -> Void)? = nil) -> FLAMEFit {
        precondition(!landmarks.isEmpty && landmarks.allSatisfy { $0.count == 68 })
        // Work in units of the face's size so σ's mean the same for every video.
        let all = landmarks.flatMap { $0 }
        let centre = all.reduce(SIMD2<Double>.zero, +) / Double(all.count)
        let unit = max(1e-6, (all.map { (($0 - centre) * ($0 - centre)).sum() }.reduce(0, +) / Double(all.count)).squareRoot())
        let observed = landmarks.map { $0.map { ($0 - centre) / unit } }

        var beta = [Double](repeating: 0, count: nShape)
        var frames = observed.map { initialFrame($0) }
        var lambda = 1e-3
        for iteration in 0..<options.iterations {
            guard let (b, f) = jointStep(beta, frames, observed, lambda: &lambda) else { break }
            (beta, frames) = (b, f)
            progress?(iteration + 1, totalError(beta, frames, observed) * unit)
        }
        return FLAMEFit(shape: beta, frames: frames.indices.map { f in
            let q = frames[f]
            let error = rms(residual(q, beta, observed[f]))
            return FLAMEFrame(expression: Array(q[0..<nExpression]),
                              globalPose: SIMD3(q[nExpression], q[nExpression + 1], q[nExpression + 2]),
                              jawPose: SIMD3(q[nExpression + 3], q[nExpression + 4], q[nExpression + 5]),
                              camera: WeakPerspective(scale: q[nExpression + 6] * unit, tx: q[nExpression + 7] * unit + centre.x,
                                                      ty: q[nExpression + 8] * unit + centre.y),
                              landmarkError: error * unit)
        })
    }

    // MARK: - Model evaluation

    private func parameters(_ q: [Double], _ beta: [Double]) -> FLAMEParameters {
        var pose = [SIMD3<Double>](repeating: .zero, count: FLAMEModel.jointCount)
        pose[0] = SIMD3(q[nExpression], q[nExpression + 1], q[nExpression + 2])
        pose[2] = SIMD3(q[nExpression + 3], q[nExpression + 4], q[nExpression + 5])
        return FLAMEParameters(shape: beta, expression: Array(q[0..<nExpression]), pose: pose)
    }

    /// Landmark points for the frame's yaw (global·neck rotation; neck is held at rest).
    private func points(_ q: [Double]) -> [LandmarkEmbedding.Point] {
        embedding.points(yaw: Matrix3.rotation(axisAngle: SIMD3(q[nExpression], q[nExpression + 1], q[nExpression + 2])).yaw)
    }

    /// Projected landmarks (136 values, u then v per point) at fixed points.
    private func project(_ q: [Double], _ beta: [Double], _ pts: [LandmarkEmbedding.Point]) -> [Double] {
        let ids = Array(Set(pts.flatMap { p in [model.triangles[p.triangle].x, model.triangles[p.triangle].y, model.triangles[p.triangle].z].map(Int.init) }))
        let (v, _) = model.forward(parameters(q, beta), subset: ids)
        var posed = [Int: SIMD3<Double>]()
        for (i, id) in ids.enumerated() { posed[id] = v[i] }
        let camera = WeakPerspective(scale: q[nExpression + 6], tx: q[nExpression + 7], ty: q[nExpression + 8])
        return pts.flatMap { p -> [Double] in
            let t = model.triangles[p.triangle]
            let x = p.barycentric.x * posed[Int(t.x)]! + p.barycentric.y * posed[Int(t.y)]! + p.barycentric.z * posed[Int(t.z)]!
            let uv = camera.project(x)
            return [uv.x, uv.y]
        }
    }

    /// d(projected landmarks)/d(coefficients in `columns`) at fixed pose: skinning is linear in the
    /// rest vertices and joints, and both are linear in the blendshape coefficients.
    private func coefficientJacobian(_ q: [Double], _ beta: [Double], _ pts: [LandmarkEmbedding.Point], columns: [Int]) -> [Double] {
        let p = parameters(q, beta)
        let skin = model.skinning(p, coefficients: model.coefficients(p))
        let k = model.components, n = columns.count, s = q[nExpression + 6]
        // Joint translations' response to each coefficient (the kinematic chain is linear in rest joints).
        var dt = [[SIMD3<Double>]](repeating: [], count: n)
        for (ci, c) in columns.enumerated() {
            let dJ = (0..<FLAMEModel.jointCount).map { j in
                SIMD3(model.jointBlendshapes[(j * 3) * k + c], model.jointBlendshapes[(j * 3 + 1) * k + c], model.jointBlendshapes[(j * 3 + 2) * k + c])
            }
            var dOrigin = [SIMD3<Double>](repeating: .zero, count: FLAMEModel.jointCount)
            for j in 0..<FLAMEModel.jointCount {
                let parent = model.parents[j]
                dOrigin[j] = parent < 0 ? dJ[j] : skin.rotations[parent] * (dJ[j] - dJ[parent]) + dOrigin[parent]
            }
            dt[ci] = (0..<FLAMEModel.jointCount).map { dOrigin[$0] - skin.rotations[$0] * dJ[$0] }
        }
        var jac = [Double](repeating: 0, count: 2 * pts.count * n)
        var cache = [Int: [SIMD3<Double>]]()
        func vertexColumns(_ v: Int) -> [SIMD3<Double>] {
            if let known = cache[v] { return known }
            var r = Matrix3(.zero, .zero, .zero)
            var w = [Double](repeating: 0, count: FLAMEModel.jointCount)
            for j in 0..<FLAMEModel.jointCount { w[j] = model.weights[v * FLAMEModel.jointCount + j]; r = r + w[j] * skin.rotations[j] }
            let cols = columns.enumerated().map { (ci, c) -> SIMD3<Double> in
                let d = SIMD3(model.blendshapes[(v * 3) * k + c], model.blendshapes[(v * 3 + 1) * k + c], model.blendshapes[(v * 3 + 2) * k + c])
                var out = r * d
                for j in 0..<FLAMEModel.jointCount where w[j] != 0 { out += w[j] * dt[ci][j] }
                return out
            }
            cache[v] = cols
            return cols
        }
        for (i, point) in pts.enumerated() {
            let t = model.triangles[point.triangle]
            let a = vertexColumns(Int(t.x)), b = vertexColumns(Int(t.y)), c = vertexColumns(Int(t.z))
            for ci in 0..<n {
                let d = point.barycentric.x * a[ci] + point.barycentric.y * b[ci] + point.barycentric.z * c[ci]
                jac[(2 * i) * n + ci] = s * d.x
                jac[(2 * i + 1) * n + ci] = -s * d.y
            }
        }
        return jac
    }

    // MARK: - Residuals

    private func residual(_ q: [Double], _ beta: [Double], _ observed: [SIMD2<Double>]) -> [Double] {
        let proj = project(q, beta, points(q))
        var r = [Double](repeating: 0, count: proj.count)
        for i in observed.indices {
            r[2 * i] = proj[2 * i] - observed[i].x
            r[2 * i + 1] = proj[2 * i + 1] - observed[i].y
        }
        return r
    }

    private func rms(_ r: [Double]) -> Double { ((r.map { $0 * $0 }.reduce(0, +)) / Double(max(1, r.count / 2))).squareRoot() }

    private func totalError(_ beta: [Double], _ frames: [[Double]], _ observed: [[SIMD2<Double>]]) -> Double {
        let r = frames.indices.flatMap { residual(frames[$0], beta, observed[$0]) }
        return rms(r)
    }

    /// Unary prior precision per frame parameter (ψ ~ N(0, 1), jaw ~ N(0, σ_jaw²), the rest free).
    private var unaryPrecision: [Double] {
        var p = [Double](repeating: 0, count: frameSize)
        for i in 0..<nExpression { p[i] = 1 }
        for i in 0..<3 { p[nExpression + 3 + i] = 1 / (options.jawSigma * options.jawSigma) }
        return p
    }

    /// Precision of the frame-to-frame difference per parameter (0 without smoothing).
    private var smoothingPrecision: [Double] {
        guard options.temporal else { return [Double](repeating: 0, count: frameSize) }
        func precision(_ sigma: Double) -> Double { sigma > 0 ? 1 / (sigma * sigma) : 0 }
        return (0..<frameSize).map { i in
            i < nExpression ? precision(options.smoothExpression) : (i < nExpression + 6 ? precision(options.smoothRotation) : precision(options.smoothCamera))
        }
    }

    private func totalCost(_ beta: [Double], _ frames: [[Double]], _ observed: [[SIMD2<Double>]]) -> Double {
        let w = 1 / (options.landmarkSigma * options.landmarkSigma), unary = unaryPrecision, smooth = smoothingPrecision
        var cost = beta.map { $0 * $0 }.reduce(0, +)
        for f in frames.indices {
            cost += w * residual(frames[f], beta, observed[f]).map { $0 * $0 }.reduce(0, +)
            for i in 0..<frameSize {
                cost += unary[i] * frames[f][i] * frames[f][i]
                if f > 0 { cost += smooth[i] * pow(frames[f][i] - frames[f - 1][i], 2) }
            }
        }
        return cost
    }

    // MARK: - Steps

    private func initialFrame(_ observed: [SIMD2<Double>]) -> [Double] {
        var q = [Double](repeating: 0, count: frameSize)
        q[nExpression + 6] = 1
        let pts = points(q)
        let proj = project(q, [Double](repeating: 0, count: nShape), pts)
        let model2D = (0..<68).map { SIMD2(proj[2 * $0], proj[2 * $0 + 1]) }
        let mc = model2D.reduce(SIMD2<Double>.zero, +) / 68, oc = observed.reduce(SIMD2<Double>.zero, +) / 68
        let ms = model2D.map { (($0 - mc) * ($0 - mc)).sum() }.reduce(0, +), os = observed.map { (($0 - oc) * ($0 - oc)).sum() }.reduce(0, +)
        let s = (os / max(ms, 1e-12)).squareRoot()
        q[nExpression + 6] = s
        q[nExpression + 7] = oc.x - s * mc.x
        q[nExpression + 8] = oc.y - s * mc.y
        return q
    }

    /// A frame's landmark residual and Jacobians w.r.t. β and the frame vector (ψ analytic,
    /// rotations by central differences, camera analytic).
    private func linearise(_ q: [Double], _ beta: [Double], _ observed: [SIMD2<Double>]) -> (r: [Double], jb: [Double], jq: [Double]) {
        let n = frameSize, pts = points(q)
        let base = project(q, beta, pts)
        let rows = base.count
        let jb = coefficientJacobian(q, beta, pts, columns: Array(0..<nShape))
        var jq = [Double](repeating: 0, count: rows * n)
        let je = coefficientJacobian(q, beta, pts, columns: (0..<nExpression).map { model.shapeCount + $0 })
        for r in 0..<rows { for c in 0..<nExpression { jq[r * n + c] = je[r * nExpression + c] } }
        for c in nExpression..<(nExpression + 6) {
            var plus = q, minus = q
            let h = 1e-5
            plus[c] += h
            minus[c] -= h
            let a = project(plus, beta, pts), b = project(minus, beta, pts)
            for r in 0..<rows { jq[r * n + c] = (a[r] - b[r]) / (2 * h) }
        }
        // Camera: u = s·X + tx, v = −s·Y + ty, so du/ds = (u − tx)/s.
        let s = q[nExpression + 6]
        for i in 0..<(rows / 2) {
            jq[(2 * i) * n + nExpression + 6] = (base[2 * i] - q[nExpression + 7]) / s
            jq[(2 * i) * n + nExpression + 7] = 1
            jq[(2 * i + 1) * n + nExpression + 6] = (base[2 * i + 1] - q[nExpression + 8]) / s
            jq[(2 * i + 1) * n + nExpression + 8] = 1
        }
        var r = [Double](repeating: 0, count: rows)
        for i in observed.indices {
            r[2 * i] = base[2 * i] - observed[i].x
            r[2 * i + 1] = base[2 * i + 1] - observed[i].y
        }
        return (r, jb, jq)
    }

    /// One Levenberg–Marquardt iteration over all unknowns. The normal matrix is an arrow (β
    /// couples every frame) around a block tridiagonal (smoothing couples neighbours): frames are
    /// eliminated by a block Thomas solve, β by the Schur complement, so the cost is linear in the
    /// number of frames.
    private func jointStep(_ beta: [Double], _ frames: [[Double]], _ observed: [[SIMD2<Double>]], lambda: inout Double) -> ([Double], [[Double]])? {
        let m = frameSize, nb = nShape, count = frames.count
        let w = 1 / (options.landmarkSigma * options.landmarkSigma), unary = unaryPrecision, smooth = smoothingPrecision
        var hbb = [Double](repeating: 0, count: nb * nb), gb = beta
        for i in 0..<nb { hbb[i * nb + i] = 1 }
        var hff = [[Double]](), hbf = [[Double]](), gf = [[Double]]()
        for f in 0..<count {
            let (r, jb, jq) = linearise(frames[f], beta, observed[f])
            let rows = r.count
            var h = [Double](repeating: 0, count: m * m), g = [Double](repeating: 0, count: m)
            DenseSolve.accumulate(jacobian: jq.map { $0 * w.squareRoot() }, residual: r.map { $0 * w.squareRoot() }, rows: rows, cols: m, into: &h, &g)
            var cross = [Double](repeating: 0, count: nb * m)
            for row in 0..<rows {
                for a in 0..<nb where jb[row * nb + a] != 0 {
                    let ja = jb[row * nb + a] * w
                    gb[a] += ja * r[row]
                    for b in 0...a { hbb[a * nb + b] += ja * jb[row * nb + b] }
                    for c in 0..<m { cross[a * m + c] += ja * jq[row * m + c] }
                }
            }
            for i in 0..<m {
                h[i * m + i] += unary[i]
                g[i] += unary[i] * frames[f][i]
                if f > 0 { h[i * m + i] += smooth[i]; g[i] += smooth[i] * (frames[f][i] - frames[f - 1][i]) }
                if f + 1 < count { h[i * m + i] += smooth[i]; g[i] += smooth[i] * (frames[f][i] - frames[f + 1][i]) }
            }
            hff.append(h); hbf.append(cross); gf.append(g)
        }
        for a in 0..<nb { for b in 0..<a { hbb[b * nb + a] = hbb[a * nb + b] } }
        let cost = totalCost(beta, frames, observed)
        for _ in 0..<8 {
            // Damped blocks; off-diagonal blocks are −diag(smooth).
            let blocks = hff.map { h -> [Double] in
                var d = h
                for i in 0..<m { d[i * m + i] += lambda * max(h[i * m + i], 1e-9) }
                return d
            }
            var dampedBB = hbb
            for i in 0..<nb { dampedBB[i * nb + i] += lambda * max(hbb[i * nb + i], 1e-9) }
            // Right-hand sides per frame: g_f, then the nb columns of H_fβ (each m long).
            let rhs = (0..<count).map { f in [gf[f]] + (0..<nb).map { a in Array(hbf[f][(a * m)..<((a + 1) * m)]) } }
            guard let solved = BlockTridiagonal.solve(blocks: blocks, coupling: smooth.map { -$0 }, rhs: rhs) else { lambda *= 10; continue }
            var schur = dampedBB, reduced = gb
            for f in 0..<count {
                for a in 0..<nb {
                    let row = Array(hbf[f][(a * m)..<((a + 1) * m)])
                    reduced[a] -= zip(row, solved[f][0]).map(*).reduce(0, +)
                    for b in 0..<nb { schur[a * nb + b] -= zip(row, solved[f][1 + b]).map(*).reduce(0, +) }
                }
            }
            let db = nb == 0 ? [] : DenseSolve.cholesky(schur, reduced, n: nb)
            guard let db else { lambda *= 10; continue }
            let newBeta = zip(beta, db).map { $0 - $1 }
            let newFrames = (0..<count).map { f -> [Double] in
                (0..<m).map { i in
                    var step = solved[f][0][i]
                    for b in 0..<nb { step -= solved[f][1 + b][i] * db[b] }
                    return frames[f][i] - step
                }
            }
            if newFrames.allSatisfy({ $0[nExpression + 6] > 0 }), totalCost(newBeta, newFrames, observed) < cost {
                lambda = max(lambda / 3, 1e-9)
                return (newBeta, newFrames)
            }
            lambda *= 10
        }
        return nil
    }
}

/// Solves a symmetric block tridiagonal system whose off-diagonal blocks are all the same
/// diagonal matrix (temporal smoothing), for several right-hand sides at once: block Thomas
/// elimination with a Cholesky factor per block.
enum BlockTridiagonal {
    static func solve(blocks: [[Double]], coupling c: [Double], rhs: [[[Double]]]) -> [[[Double]]]? {
        let count = blocks.count, m = c.count
        guard count > 0 else { return [] }
        // Each reduced block is factored once and reused for every right-hand side.
        var factors: [[Double]] = [], carried: [[[Double]]] = []
        for f in 0..<count {
            var d = blocks[f], y = rhs[f]
            if f > 0 {
                // D'_f = D_f − C D'_(f−1)⁻¹ C,  y_f −= C D'_(f−1)⁻¹ y_(f−1)
                for col in 0..<m where c[col] != 0 {
                    var e = [Double](repeating: 0, count: m)
                    e[col] = c[col]
                    let x = DenseSolve.solve(factors[f - 1], e, n: m)
                    for row in 0..<m { d[row * m + col] -= c[row] * x[row] }
                }
                for k in y.indices {
                    let x = DenseSolve.solve(factors[f - 1], carried[f - 1][k], n: m)
                    for row in 0..<m { y[k][row] -= c[row] * x[row] }
                }
            }
            guard let factor = DenseSolve.factor(d, n: m) else { return nil }
            factors.append(factor)
            carried.append(y)
        }
        var out = [[[Double]]](repeating: [], count: count)
        for f in stride(from: count - 1, through: 0, by: -1) {
            for k in carried[f].indices {
                var y = carried[f][k]
                if f + 1 < count { for row in 0..<m { y[row] -= c[row] * out[f + 1][k][row] } }
                out[f].append(DenseSolve.solve(factors[f], y, n: m))
            }
        }
        return out
    }
}
