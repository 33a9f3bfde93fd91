import Foundation

/// Dense Inverse Search optical flow (Kroeger et al., ECCV 2016), coarse to fine: on each pyramid
/// level, patches are aligned by inverse-compositional Gauss–Newton on mean-normalised intensity,
/// initialised from the coarser level and their already-solved neighbours (spatial
/// propagation), then blended into a dense field weighted by photometric fit (densification), and
/// optionally smoothed by variational refinement.
public struct DISOpticalFlow: Sendable {
    /// The parameters of OpenCV's presets (DISOpticalFlow::create): patch 8 for all.
    public enum Preset: String, Codable, Sendable, CaseIterable {
        case ultrafast, fast, medium
    }

    public struct Settings: Codable, Equatable, Sendable {
        public var patchSize = 8
        public var patchStride = 3
        /// Finest pyramid level solved (0 = full resolution); the result is upscaled from it.
        public var finestScale = 1
        public var gradientDescentIterations = 25
        public var variationalIterations = 5
        public var refinement = VariationalRefinement.Settings()

        public init(preset: Preset) {
            switch preset {
            case .ultrafast:
                (finestScale, patchStride, gradientDescentIterations, variationalIterations) = (2, 4, 12, 0)
            case .fast:
                (finestScale, patchStride, gradientDescentIterations, variationalIterations) = (2, 4, 16, 5)
            case .medium:
                (finestScale, patchStride, gradientDescentIterations, variationalIterations) = (1, 3, 25, 5)
            }
        }
    }

    public var settings: Settings

    public init(_ preset: Preset = .medium) { settings = Settings(preset: preset) }
    public init(settings: Settings) { self.settings = settings }

    /// Coarsest level: as OpenCV chooses it, log2(2·width / (5·patch)), kept where patches fit.
    func coarsestScale(width: Int, height: Int) -> Int {
        var scale = max(0, Int(floor(log2(2 * Double(width) / (5 * Double(settings.patchSize))))))
        while scale > 0 && (width >> scale < settings.patchSize || height >> scale < settings.patchSize) { scale -= 1 }
        return max(scale, min(settings.finestScale, scale))
    }

    /// Flow from `first` to `second` (same size): first(x) ≈ second(x + flow(x)).
    public func flow(from first: GrayImage, to second: GrayImage) -> FlowField {
        precondition(first.width == second.width && first.height == second.height, "frame sizes differ")
        let coarsest = coarsestScale(width: first.width, height: first.height)
        let finest = min(settings.finestScale, coarsest)
        var pyramid0 = [first], pyramid1 = [second]
        for _ in 0..<coarsest {
            pyramid0.append(pyramid0.last!.halved())
            pyramid1.append(pyramid1.last!.halved())
        }
        var dense: FlowField? = nil
        for level in stride(from: coarsest, through: finest, by: -1) {
            let i0 = pyramid0[level], i1 = pyramid1[level]
            let initial = dense.map { $0.resized(width: i0.width, height: i0.height) } ?? FlowField(width: i0.width, height: i0.height)
            guard i0.width >= settings.patchSize, i0.height >= settings.patchSize else {
                dense = initial
                continue
            }
            let search = PatchSearch(i0: i0, i1: i1, patchSize: settings.patchSize, stride: settings.patchStride,
                                     iterations: settings.gradientDescentIterations)
            var field = search.densify(search.solve(initial: initial))
            if settings.variationalIterations > 0 {
                field = VariationalRefinement(settings: settings.refinement, iterations: settings.variationalIterations)
                    .refine(field, i0: i0, i1: i1)
            }
            dense = field
        }
        let result = dense ?? FlowField(width: first.width, height: first.height)
        return result.width == first.width && result.height == first.height
            ? result : result.resized(width: first.width, height: first.height)
    }
}

/// The patch stage of one pyramid level.
struct PatchSearch {
    let i0: GrayImage
    let i1: GrayImage
    let gx: GrayImage
    let gy: GrayImage
    let patchSize: Int
    let iterations: Int
    /// Top-left corners of the patch grid; the last patch of a row/column touches the border.
    let xs: [Int]
    let ys: [Int]

    init(i0: GrayImage, i1: GrayImage, patchSize: Int, stride: Int, iterations: Int) {
        self.i0 = i0
        self.i1 = i1
        (gx, gy) = i0.sobelGradients()
        self.patchSize = patchSize
        self.iterations = iterations
        func starts(_ size: Int) -> [Int] {
            var s = Array(Swift.stride(from: 0, through: size - patchSize, by: stride))
            if s.last! != size - patchSize { s.append(size - patchSize) }
            return s
        }
        xs = starts(i0.width)
        ys = starts(i0.height)
    }

    /// Calls `body(x, y, second(x + u, y + v) − first(x, y))` for every pixel of a patch. One
    /// displacement for the whole patch means one set of bilinear weights: the taps are computed
    /// once, and clamping is needed only when the patch reaches past the border.
    @inline(__always)
    func forEachDifference(_ px: Int, _ py: Int, _ u: Float, _ v: Float, _ body: (Int, Int, Float) -> Void) {
        let fx = Float(px) + u, fy = Float(py) + v
        let x0 = Int(fx.rounded(.down)), y0 = Int(fy.rounded(.down))
        let w = i0.width
        guard x0 >= 0, y0 >= 0, x0 + patchSize < w, y0 + patchSize < i0.height else {
            for y in py..<(py + patchSize) {
                for x in px..<(px + patchSize) { body(x, y, i1.sample(Float(x) + u, Float(y) + v) - i0[x, y]) }
            }
            return
        }
        let ax = fx - Float(x0), ay = fy - Float(y0)
        let w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay
        i0.data.withUnsafeBufferPointer { first in
            i1.data.withUnsafeBufferPointer { second in
                for row in 0..<patchSize {
                    let top = (y0 + row) * w + x0, source = (py + row) * w + px
                    for col in 0..<patchSize {
                        let t = top + col
                        let value = w00 * second[t] + w01 * second[t + 1] + w10 * second[t + w] + w11 * second[t + w + 1]
                        body(px + col, py + row, value - first[source + col])
                    }
                }
            }
        }
    }

    /// Mean-normalised sum of squared differences of a patch at displacement (u, v).
    func cost(_ px: Int, _ py: Int, _ u: Float, _ v: Float) -> Float {
        var sum: Float = 0, sumSquares: Float = 0
        forEachDifference(px, py, u, v) { _, _, d in
            sum += d
            sumSquares += d * d
        }
        let n = Float(patchSize * patchSize)
        return sumSquares - sum * sum / n
    }

    /// OpenCV's DIS runs Gauss–Newton on raw 3×3 Sobel gradients, 8× the per-pixel derivative
    /// used here, so each of its steps covers 1/8 of the Newton step. Its presets are tuned for
    /// that damping (and the comparability of e_stab values rests on matching it), so the same
    /// factor divides the step here; on the fixture pairs it also lowers the error.
    static let sobelScale: Float = 8

    /// Inverse-compositional Gauss–Newton on one patch, from (u, v); stops once the patch
    /// distance no longer decreases.
    func align(_ px: Int, _ py: Int, from start: (Float, Float), iterations: Int) -> (Float, Float) {
        let n = Float(patchSize * patchSize)
        // The template's gradients are fixed (inverse compositional): the Hessian is computed once.
        var sx: Float = 0, sy: Float = 0, sxx: Float = 0, sxy: Float = 0, syy: Float = 0
        for y in py..<(py + patchSize) {
            for x in px..<(px + patchSize) {
                let a = gx[x, y], b = gy[x, y]
                sx += a; sy += b; sxx += a * a; sxy += a * b; syy += b * b
            }
        }
        // Mean normalisation removes each patch's mean difference, so centre the gradients too.
        let hxx = sxx - sx * sx / n + 1e-2, hxy = sxy - sx * sy / n, hyy = syy - sy * sy / n + 1e-2
        let det = hxx * hyy - hxy * hxy
        guard det > 1e-6 else { return start }
        var (u, v) = start
        var previousCost = Float.infinity
        for _ in 0..<iterations {
            var sumD: Float = 0, sumD2: Float = 0, bx: Float = 0, by: Float = 0
            gx.data.withUnsafeBufferPointer { gxs in
                gy.data.withUnsafeBufferPointer { gys in
                    let w = i0.width
                    forEachDifference(px, py, u, v) { x, y, d in
                        sumD += d
                        sumD2 += d * d
                        bx += gxs[y * w + x] * d
                        by += gys[y * w + x] * d
                    }
                }
            }
            let meanD = sumD / n
            bx -= sx * meanD
            by -= sy * meanD
            let du = (hyy * bx - hxy * by) / det / Self.sobelScale, dv = (hxx * by - hxy * bx) / det / Self.sobelScale
            u -= du
            v -= dv
            // Stop once the patch distance no longer decreases (as OpenCV's DIS does).
            let cost = sumD2 - sumD * sumD / n
            if cost >= previousCost { break }
            previousCost = cost
        }
        // A patch that wandered further than its own size has lost track: keep the initial guess.
        let moved = (u - start.0) * (u - start.0) + (v - start.1) * (v - start.1)
        return moved > Float(patchSize * patchSize) ? start : (u, v)
    }

    /// Patch flows, initialised from the dense field at each patch centre or a solved neighbour
    /// (left/top in a forward sweep, right/bottom in a backward one), whichever fits best.
    func solve(initial: FlowField) -> [(Float, Float)] {
        let cols = xs.count, rows = ys.count
        var flows = [(Float, Float)](repeating: (0, 0), count: cols * rows)
        var costs = [Float](repeating: .infinity, count: cols * rows)
        let half = patchSize / 2
        for r in 0..<rows {
            for c in 0..<cols {
                let px = xs[c], py = ys[r]
                let centre = (py + half) * initial.width + px + half
                var best = (initial.u[centre], initial.v[centre])
                var bestCost = cost(px, py, best.0, best.1)
                for neighbour in [c > 0 ? r * cols + c - 1 : -1, r > 0 ? (r - 1) * cols + c : -1] where neighbour >= 0 {
                    let f = flows[neighbour], k = cost(px, py, f.0, f.1)
                    if k < bestCost { (best, bestCost) = (f, k) }
                }
                let solved = align(px, py, from: best, iterations: iterations)
                flows[r * cols + c] = solved
                costs[r * cols + c] = cost(px, py, solved.0, solved.1)
            }
        }
        for r in stride(from: rows - 1, through: 0, by: -1) {
            for c in stride(from: cols - 1, through: 0, by: -1) {
                let px = xs[c], py = ys[r], index = r * cols + c
                for neighbour in [c + 1 < cols ? index + 1 : -1, r + 1 < rows ? index + cols : -1] where neighbour >= 0 {
                    let f = flows[neighbour], k = cost(px, py, f.0, f.1)
                    if k < costs[index] {
                        let solved = align(px, py, from: f, iterations: iterations)
                        let solvedCost = cost(px, py, solved.0, solved.1)
                        (flows[index], costs[index]) = solvedCost < k ? (solved, solvedCost) : (f, k)
                    }
                }
            }
        }
        return flows
    }

    /// Dense flow: each pixel averages the flows of the patches covering it, weighted by
    /// 1 / max(1, |second(x + flow) − first(x)|).
    func densify(_ flows: [(Float, Float)]) -> FlowField {
        let w = i0.width, h = i0.height
        var su = [Float](repeating: 0, count: w * h), sv = su, sw = su
        for (r, py) in ys.enumerated() {
            for (c, px) in xs.enumerated() {
                let (u, v) = flows[r * xs.count + c]
                forEachDifference(px, py, u, v) { x, y, d in
                    let weight = 1 / max(1, abs(d))
                    let i = y * w + x
                    su[i] += weight * u
                    sv[i] += weight * v
                    sw[i] += weight
                }
            }
        }
        for i in 0..<(w * h) where sw[i] > 0 {
            su[i] /= sw[i]
            sv[i] /= sw[i]
        }
        return FlowField(width: w, height: h, u: su, v: sv)
    }
}
