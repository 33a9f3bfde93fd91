import Foundation

/// Nine-coefficient spherical-harmonics shading (Ramamoorthi & Hanrahan's irradiance basis,
/// as DECA's renderer uses): shading(n) = Σ_k l_k · H_k(n).
public enum SphericalHarmonics {
    public static func basis(_ n: SIMD3<Double>) -> [Double] {
        let c0 = 1 / (4 * Double.pi).squareRoot()
        let c1 = 2 * Double.pi / 3 * (3 / (4 * Double.pi)).squareRoot()
        let c2 = Double.pi / 8 * (5 / (4 * Double.pi)).squareRoot()
        let c3 = 3 * Double.pi / 4 * (5 / (12 * Double.pi)).squareRoot()
        return [c0, c1 * n.z, c1 * n.x, c1 * n.y,
                c2 * (3 * n.z * n.z - 1), c3 * n.x * n.z, c3 * n.y * n.z, c3 / 2 * (n.x * n.x - n.y * n.y), c3 * n.x * n.y]
    }

    /// Least-squares lighting from samples (normal, observed luminance), lightly ridge-regularised
    /// toward ambient light so a few samples still give a usable answer.
    public static func solve(normals: [SIMD3<Double>], values: [Double], ridge: Double = 1e-3) -> [Double] {
        var h = [Double](repeating: 0, count: 81), g = [Double](repeating: 0, count: 9)
        for (n, v) in zip(normals, values) {
            let b = basis(n)
            for i in 0..<9 {
                g[i] += b[i] * v
                for j in 0...i { h[i * 9 + j] += b[i] * b[j] }
            }
        }
        for i in 0..<9 { for j in 0..<i { h[j * 9 + i] = h[i * 9 + j] } }
        let scale = max(1e-12, (0..<9).map { h[$0 * 9 + $0] }.max() ?? 1)
        for i in 1..<9 { h[i * 9 + i] += ridge * scale }
        h[0] += 1e-9 * scale
        return DenseSolve.cholesky(h, g, n: 9) ?? [values.reduce(0, +) / Double(max(1, values.count)) / basis(SIMD3(0, 0, 1))[0]] + [Double](repeating: 0, count: 8)
    }

    public static func shade(_ n: SIMD3<Double>, _ light: [Double]) -> Double { zip(basis(n), light).map(*).reduce(0, +) }

    /// ∇_n shade(n) for fixed light (the basis's derivative; n is not renormalised here).
    public static func shadeGradient(_ n: SIMD3<Double>, _ l: [Double]) -> SIMD3<Double> {
        let c1 = 2 * Double.pi / 3 * (3 / (4 * Double.pi)).squareRoot()
        let c2 = Double.pi / 8 * (5 / (4 * Double.pi)).squareRoot()
        let c3 = 3 * Double.pi / 4 * (5 / (12 * Double.pi)).squareRoot()
        let dx = c1 * l[2] + c3 * n.z * l[5] + c3 * n.x * l[7] + c3 * n.y * l[8]
        let dy = c1 * l[3] + c3 * n.z * l[6] - c3 * n.y * l[7] + c3 * n.x * l[8]
        let dz = c1 * l[1] + 6 * c2 * n.z * l[4] + c3 * n.x * l[5] + c3 * n.y * l[6]
        return SIMD3(dx, dy, dz)
    }
}
