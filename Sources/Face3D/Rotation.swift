import Foundation

/// A 3×3 matrix, row-major (Linux Swift has no simd matrices).
public struct Matrix3: Equatable, Sendable {
    public var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    public init(_ r0: SIMD3<Double>, _ r1: SIMD3<Double>, _ r2: SIMD3<Double>) { rows = (r0, r1, r2) }

    public static let identity = Matrix3(SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))

    public static func == (a: Matrix3, b: Matrix3) -> Bool { a.rows.0 == b.rows.0 && a.rows.1 == b.rows.1 && a.rows.2 == b.rows.2 }

    public subscript(r: Int, c: Int) -> Double {
        switch r { case 0: rows.0[c]; case 1: rows.1[c]; default: rows.2[c] }
    }

    public static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.rows.0 * v).sum(), (m.rows.1 * v).sum(), (m.rows.2 * v).sum())
    }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        let t = b.transposed
        func row(_ r: SIMD3<Double>) -> SIMD3<Double> { SIMD3((r * t.rows.0).sum(), (r * t.rows.1).sum(), (r * t.rows.2).sum()) }
        return Matrix3(row(a.rows.0), row(a.rows.1), row(a.rows.2))
    }

    public static func + (a: Matrix3, b: Matrix3) -> Matrix3 { Matrix3(a.rows.0 + b.rows.0, a.rows.1 + b.rows.1, a.rows.2 + b.rows.2) }

    public static func * (s: Double, m: Matrix3) -> Matrix3 { Matrix3(s * m.rows.0, s * m.rows.1, s * m.rows.2) }

    public var transposed: Matrix3 {
        Matrix3(SIMD3(rows.0.x, rows.1.x, rows.2.x), SIMD3(rows.0.y, rows.1.y, rows.2.y), SIMD3(rows.0.z, rows.1.z, rows.2.z))
    }

    /// Row-major elements.
    public var elements: [Double] { [rows.0.x, rows.0.y, rows.0.z, rows.1.x, rows.1.y, rows.1.z, rows.2.x, rows.2.y, rows.2.z] }

    /// Rodrigues' formula: rotation by |r| radians about r/|r| (FLAME's axis-angle pose).
    /// As FLAME's lbs, a tiny epsilon keeps the axis defined at r = 0.
    public static func rotation(axisAngle r: SIMD3<Double>) -> Matrix3 {
        let angle = (((r + 1e-8) * (r + 1e-8)).sum()).squareRoot()
        let k = r / angle
        let K = Matrix3(SIMD3(0, -k.z, k.y), SIMD3(k.z, 0, -k.x), SIMD3(-k.y, k.x, 0))
        return identity + sin(angle) * K + (1 - cos(angle)) * (K * K)
    }

    /// The rotation's yaw (about y) as FLAME's dynamic-contour lookup reads it: atan2(−R20, √(R00² + R10²)).
    public var yaw: Double { atan2(-self[2, 0], (self[0, 0] * self[0, 0] + self[1, 0] * self[1, 0]).squareRoot()) }
}
