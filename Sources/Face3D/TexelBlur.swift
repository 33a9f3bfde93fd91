/// A normalised box blur over the valid texels of a T×T UV grid, B(v) = box(Wv) / box(W), read
/// back at the valid texels (W marks them; box sums a (2r+1)² window, zero outside the grid).
/// Once the window spans the grid from every texel (r ≥ T − 1), B is the mean over the valid
/// texels, which `apply` computes directly; `applyByBox` is the reference it is tested against.
public struct TexelBlur: Sendable {
    public let side: Int
    public let radius: Int
    /// Grid index (y·T + x) of each value, all distinct.
    public let indices: [Int]
    /// box(W) at each valid texel: how many valid texels its window holds.
    private let counts: [Double]

    /// Whether the window covers the whole grid from every texel.
    public var spansGrid: Bool { radius >= side - 1 }

    public init(side: Int, radius: Int, indices: [Int]) {
        self.side = side
        self.radius = radius
        self.indices = indices
        if radius >= side - 1 {
            counts = [Double](repeating: Double(indices.count), count: indices.count)
        } else {
            var mask = [Double](repeating: 0, count: side * side)
            for i in indices { mask[i] = 1 }
            let count = Self.box(mask, side: side, radius: radius)
            counts = indices.map { count[$0] }
        }
    }

    /// B v, one value per valid texel.
    public func apply<T: BlurValue>(_ values: [T]) -> [T] {
        guard spansGrid else { return applyByBox(values) }
        let mean = values.reduce(T.zero, +).scaled(by: 1 / Double(max(values.count, 1)))
        return [T](repeating: mean, count: values.count)
    }

    /// Bᵀ g = W · box(g / box(W)) (box is symmetric); with a spanning window B is symmetric itself.
    public func adjoint<T: BlurValue>(_ g: [T]) -> [T] {
        spansGrid ? apply(g) : adjointByBox(g)
    }

    /// B v through the box sums (the reference for the spanning case's mean).
    public func applyByBox<T: BlurValue>(_ values: [T]) -> [T] {
        var grid = [T](repeating: .zero, count: side * side)
        for (k, i) in indices.enumerated() { grid[i] = values[k] }
        let sum = Self.box(grid, side: side, radius: radius)
        return indices.indices.map { sum[indices[$0]].scaled(by: 1 / max(counts[$0], 1)) }
    }

    /// Bᵀ g through the box sums.
    public func adjointByBox<T: BlurValue>(_ g: [T]) -> [T] {
        var grid = [T](repeating: .zero, count: side * side)
        for (k, i) in indices.enumerated() { grid[i] = g[k].scaled(by: 1 / max(counts[k], 1)) }
        let spread = Self.box(grid, side: side, radius: radius)
        return indices.map { spread[$0] }
    }

    /// Sum over a (2r+1)² window, zero outside the grid (separable: rows, then columns).
    static func box<T: BlurValue>(_ v: [T], side t: Int, radius r: Int) -> [T] {
        var rows = [T](repeating: .zero, count: t * t), out = rows
        for y in 0..<t { for x in 0..<t { var s = T.zero; for d in max(0, x - r)...min(t - 1, x + r) { s = s + v[y * t + d] }; rows[y * t + x] = s } }
        for y in 0..<t { for x in 0..<t { var s = T.zero; for d in max(0, y - r)...min(t - 1, y + r) { s = s + rows[d * t + x] }; out[y * t + x] = s } }
        return out
    }
}

/// What the blur needs of a texel's value (a luminance or a colour).
public protocol BlurValue: Sendable {
    static var zero: Self { get }
    static func + (a: Self, b: Self) -> Self
    func scaled(by factor: Double) -> Self
}
extension Double: BlurValue { public func scaled(by factor: Double) -> Double { self * factor } }
extension SIMD3: BlurValue where Scalar == Double { public func scaled(by factor: Double) -> SIMD3<Double> { self * factor } }
