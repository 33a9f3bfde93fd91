import Foundation

/// Small symmetric positive-definite systems (normal equations of the fits): Cholesky in Double.
/// The systems here are at most a few hundred unknowns, so no BLAS call is worth its setup.
enum DenseSolve {
    /// Solves A x = b for SPD A (n×n row-major); nil when A is not positive definite.
    static func cholesky(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        factor(a, n: n).map { solve($0, b, n: n) }
    }

    /// A⁻¹ (row-major) for SPD A, from one factorisation; nil when A is not positive definite.
    static func inverse(_ a: [Double], n: Int) -> [Double]? {
        guard let l = factor(a, n: n) else { return nil }
        return (0..<n).flatMap { col -> [Double] in
            var e = [Double](repeating: 0, count: n)
            e[col] = 1
            return solve(l, e, n: n)
        }
    }

    /// The lower Cholesky factor L (A = L·Lᵀ), or nil when A is not positive definite.
    static func factor(_ a: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        return l
    }

    /// x = (L·Lᵀ)⁻¹ b with a factor from `factor`.
    static func solve(_ l: [Double], _ b: [Double], n: Int) -> [Double] {
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in (i + 1)..<n { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }

    /// JᵀJ and Jᵀr of a residual block (rows × cols Jacobian, row-major), accumulated.
    static func accumulate(jacobian j: [Double], residual r: [Double], rows: Int, cols: Int, into h: inout [Double], _ g: inout [Double]) {
        for row in 0..<rows {
            let base = row * cols
            for a in 0..<cols {
                let ja = j[base + a]
                guard ja != 0 else { continue }
                g[a] += ja * r[row]
                for b in 0...a { h[a * cols + b] += ja * j[base + b] }
            }
        }
        for a in 0..<cols { for b in 0..<a { h[b * cols + a] = h[a * cols + b] } }
    }
}
