import Foundation
public import Tensor

/// A face box in pixels; right and bottom are inclusive, as in dlib's rectangle.
public struct FaceBox: Codable, Equatable, Sendable {
    public var left: Int
    public var top: Int
    public var right: Int
    public var bottom: Int

    public init(left: Int, top: Int, right: Int, bottom: Int) {
        (self.left, self.top, self.right, self.bottom) = (left, top, right, bottom)
    }
}

public struct Landmark: Codable, Equatable, Sendable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// dlib's ensemble-of-regression-trees landmark predictor (Kazemi & Sullivan 2014), reading the
/// same files (the 68-point model from Debian's libdlib-data, the 5-point one from PyPI's
/// face-recognition-models) and giving the same points.
public final class ShapePredictor {
    struct Split {
        let index1: Int32
        let index2: Int32
        let threshold: Float
    }

    struct Tree {
        let splits: [Split]
        /// leaves × (2·parts), flattened.
        let leaves: [Float]
    }

    public let parts: Int
    let initialShape: [Float]
    /// The cascade's starting shape: the training set's mean face, in unit box coordinates.
    public var meanShape: [SIMD2<Double>] { (0..<parts).map { SIMD2(Double(initialShape[2 * $0]), Double(initialShape[2 * $0 + 1])) } }
    let cascades: [[Tree]]
    let anchors: [[Int]]
    let deltas: [[(Float, Float)]]

    public convenience init(path: String) throws {
        var reader = try DlibReader(path: path)
        try self.init(reader: &reader)
        guard reader.isAtEnd else { throw reader.fail("the end of the file") }
    }

    init(reader r: inout DlibReader) throws {
        let version = try r.integer("the shape_predictor version")
        guard version == 1 else { throw r.fail("shape_predictor version 1, found \(version)") }
        let shape = try r.matrix(rows: nil, columns: 1, "initial_shape")
        guard shape.count >= 2, shape.count % 2 == 0 else { throw r.fail("an initial shape of (x, y) pairs") }
        let rows = shape.count
        var cascades: [[Tree]] = []
        let cascadeCount = try r.count("the cascade count", limit: 100)
        for _ in 0..<cascadeCount {
            var trees: [Tree] = []
            let treeCount = try r.count("the tree count", limit: 10_000)
            for _ in 0..<treeCount {
                let splitCount = try r.count("the split count", limit: 1 << 12)
                var splits: [Split] = []
                for _ in 0..<splitCount {
                    let a = try r.integer("a split's first pixel"), b = try r.integer("a split's second pixel")
                    splits.append(Split(index1: Int32(clamping: a), index2: Int32(clamping: b), threshold: try r.float("a split threshold")))
                }
                let leafCount = try r.count("the leaf count", limit: 1 << 13)
                guard leafCount == splitCount + 1 else { throw r.fail("\(splitCount + 1) leaves, found \(leafCount)") }
                var leaves: [Float] = []
                leaves.reserveCapacity(leafCount * rows)
                for _ in 0..<leafCount { leaves += try r.matrix(rows: rows, columns: 1, "a leaf value") }
                trees.append(Tree(splits: splits, leaves: leaves))
            }
            cascades.append(trees)
        }
        let anchorCount = try r.count("the anchor list count", limit: 100)
        var anchors: [[Int]] = []
        for _ in 0..<anchorCount {
            let n = try r.count("the anchor count", limit: 100_000)
            anchors.append(try (0..<n).map { _ in
                let a = try r.integer("an anchor index")
                guard a >= 0, a < rows / 2 else { throw r.fail("an anchor index below \(rows / 2)") }
                return Int(a)
            })
        }
        let deltaCount = try r.count("the delta list count", limit: 100)
        var deltas: [[(Float, Float)]] = []
        for _ in 0..<deltaCount {
            let n = try r.count("the delta count", limit: 100_000)
            deltas.append(try (0..<n).map { _ in (try r.float("a delta x"), try r.float("a delta y")) })
        }
        guard anchors.count == cascades.count, deltas.count == cascades.count,
              zip(anchors, deltas).allSatisfy({ $0.count == $1.count }) else {
            throw r.fail("one anchor and delta list per cascade")
        }
        for (c, trees) in cascades.enumerated() {
            for tree in trees {
                for split in tree.splits where Int(split.index1) >= anchors[c].count || Int(split.index2) >= anchors[c].count || split.index1 < 0 || split.index2 < 0 {
                    throw r.fail("split pixel indices below \(anchors[c].count)")
                }
            }
        }
        parts = rows / 2
        initialShape = shape
        self.cascades = cascades
        self.anchors = anchors
        self.deltas = deltas
    }

    /// Landmarks of the face in `box`, rounded to whole pixels as dlib does.
    public func predict(_ image: Image8, box: FaceBox) -> [Landmark] {
        let width = Double(box.right - box.left), height = Double(box.bottom - box.top)
        func toImage(_ x: Float, _ y: Float) -> (Double, Double) {
            (Double(box.left) + Double(x) * width, Double(box.top) + Double(y) * height)
        }
        var current = initialShape
        var features: [Float] = []
        for (c, trees) in cascades.enumerated() {
            let m = similarity(from: initialShape, to: current)
            features = anchors[c].indices.map { i in
                let (dx, dy) = deltas[c][i]
                let anchor = anchors[c][i]
                let x = m.0 * dx + m.1 * dy + current[2 * anchor], y = m.2 * dx + m.3 * dy + current[2 * anchor + 1]
                let (px, py) = toImage(x, y)
                let ix = Int((px + 0.5).rounded(.down)), iy = Int((py + 0.5).rounded(.down))
                guard ix >= 0, iy >= 0, ix < image.width, iy < image.height else { return 0 }
                return intensity(image, ix, iy)
            }
            let rows = current.count
            features.withUnsafeBufferPointer { f in
                current.withUnsafeMutableBufferPointer { shape in
                    for tree in trees {
                        tree.splits.withUnsafeBufferPointer { splits in
                            var node = 0
                            while node < splits.count {
                                let split = splits[node]
                                node = f[Int(split.index1)] - f[Int(split.index2)] > split.threshold ? 2 * node + 1 : 2 * node + 2
                            }
                            tree.leaves.withUnsafeBufferPointer { leaves in
                                let leaf = leaves.baseAddress! + (node - splits.count) * rows
                                for k in 0..<rows { shape[k] += leaf[k] }
                            }
                        }
                    }
                }
            }
        }
        return (0..<parts).map { p in
            let (x, y) = toImage(current[2 * p], current[2 * p + 1])
            return Landmark(x: Int((x + 0.5).rounded(.down)), y: Int((y + 0.5).rounded(.down)))
        }
    }

    /// dlib's pixel intensity: the channel mean with integer division for colour, the value for gray.
    private func intensity(_ image: Image8, _ x: Int, _ y: Int) -> Float {
        let o = (y * image.width + x) * image.channels
        guard image.channels >= 3 else { return Float(image.pixels[o]) }
        return Float((Int(image.pixels[o]) + Int(image.pixels[o + 1]) + Int(image.pixels[o + 2])) / 3)
    }

    /// The 2×2 (scale·rotation) part of the least-squares similarity transform taking `from` to
    /// `to` (Umeyama), in Double as dlib computes it, then cast to Float as dlib's predictor does.
    /// In 2-D the optimum rotation has a closed form: with cov = mean((to − μt)(from − μf)ᵀ),
    /// c·R = [[p, −q], [q, p]] / σ²_from, p = cov₀₀ + cov₁₁, q = cov₁₀ − cov₀₁.
    func similarity(from: [Float], to: [Float]) -> (Float, Float, Float, Float) {
        let n = from.count / 2
        var mfx = 0.0, mfy = 0.0, mtx = 0.0, mty = 0.0
        for i in 0..<n {
            mfx += Double(from[2 * i]); mfy += Double(from[2 * i + 1])
            mtx += Double(to[2 * i]); mty += Double(to[2 * i + 1])
        }
        mfx /= Double(n); mfy /= Double(n); mtx /= Double(n); mty /= Double(n)
        var sigma = 0.0, c00 = 0.0, c01 = 0.0, c10 = 0.0, c11 = 0.0
        for i in 0..<n {
            let fx = Double(from[2 * i]) - mfx, fy = Double(from[2 * i + 1]) - mfy
            let tx = Double(to[2 * i]) - mtx, ty = Double(to[2 * i + 1]) - mty
            sigma += fx * fx + fy * fy
            c00 += tx * fx; c01 += tx * fy; c10 += ty * fx; c11 += ty * fy
        }
        sigma /= Double(n)
        guard sigma > 0 else { return (1, 0, 0, 1) }
        let p = (c00 + c11) / Double(n), q = (c10 - c01) / Double(n)
        return (Float(p / sigma), Float(-q / sigma), Float(q / sigma), Float(p / sigma))
    }
}
