/// Naive Double-precision references for every layer, written straight from the definitions
/// (direct loops, no im2col, no GEMM). Tests check the fast Float layers against them, and take
/// finite differences of them for gradient checks. Tensors are flat NCHW arrays.
public enum Reference {
    public struct Dims: Equatable, Sendable {
        public var n, c, h, w: Int
        public init(_ n: Int, _ c: Int, _ h: Int, _ w: Int) { (self.n, self.c, self.h, self.w) = (n, c, h, w) }
        public var count: Int { n * c * h * w }
        @inline(__always) func index(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Int { ((n * self.c + c) * h + y) * w + x }
    }

    /// Direct convolution: y[n,o,i,j] = b[o] + Σ w[o,c,ky,kx] · x[n,c,i·s−p+ky, j·s−p+kx].
    public static func conv2d(_ x: [Double], _ d: Dims, weight: [Double], bias: [Double], outChannels: Int,
                              kernel k: Int, stride s: Int, padding p: Int) -> (y: [Double], dims: Dims) {
        let od = Dims(d.n, outChannels, (d.h + 2 * p - k) / s + 1, (d.w + 2 * p - k) / s + 1)
        var y = [Double](repeating: 0, count: od.count)
        for n in 0..<d.n { for o in 0..<outChannels { for i in 0..<od.h { for j in 0..<od.w {
            var sum = bias[o]
            for c in 0..<d.c { for ky in 0..<k { for kx in 0..<k {
                let iy = i * s - p + ky, ix = j * s - p + kx
                if iy >= 0 && iy < d.h && ix >= 0 && ix < d.w {
                    sum += weight[((o * d.c + c) * k + ky) * k + kx] * x[d.index(n, c, iy, ix)]
                }
            } } }
            y[od.index(n, o, i, j)] = sum
        } } } }
        return (y, od)
    }

    /// Direct backward of `conv2d`: (dx, dw, db) for an output gradient dy.
    public static func conv2dBackward(_ x: [Double], _ d: Dims, weight: [Double], dy: [Double], outChannels: Int,
                                      kernel k: Int, stride s: Int, padding p: Int) -> (dx: [Double], dw: [Double], db: [Double]) {
        let od = Dims(d.n, outChannels, (d.h + 2 * p - k) / s + 1, (d.w + 2 * p - k) / s + 1)
        var dx = [Double](repeating: 0, count: d.count)
        var dw = [Double](repeating: 0, count: weight.count)
        var db = [Double](repeating: 0, count: outChannels)
        for n in 0..<d.n { for o in 0..<outChannels { for i in 0..<od.h { for j in 0..<od.w {
            let g = dy[od.index(n, o, i, j)]
            db[o] += g
            for c in 0..<d.c { for ky in 0..<k { for kx in 0..<k {
                let iy = i * s - p + ky, ix = j * s - p + kx
                if iy >= 0 && iy < d.h && ix >= 0 && ix < d.w {
                    let wi = ((o * d.c + c) * k + ky) * k + kx
                    dw[wi] += g * x[d.index(n, c, iy, ix)]
                    dx[d.index(n, c, iy, ix)] += g * weight[wi]
                }
            } } }
        } } } }
        return (dx, dw, db)
    }

    /// Transposed conv, kernel 2 stride 2: y[n,o,2i+a,2j+b] = b[o] + Σ_c w[c,o,a,b] · x[n,c,i,j].
    public static func transposedConv2(_ x: [Double], _ d: Dims, weight: [Double], bias: [Double],
                                       outChannels: Int) -> (y: [Double], dims: Dims) {
        let od = Dims(d.n, outChannels, 2 * d.h, 2 * d.w)
        var y = [Double](repeating: 0, count: od.count)
        for n in 0..<d.n { for o in 0..<outChannels { for yy in 0..<od.h { for xx in 0..<od.w {
            var sum = bias[o]
            for c in 0..<d.c { sum += weight[((c * outChannels + o) * 2 + yy % 2) * 2 + xx % 2] * x[d.index(n, c, yy / 2, xx / 2)] }
            y[od.index(n, o, yy, xx)] = sum
        } } } }
        return (y, od)
    }

    public static func leakyReLU(_ x: [Double], slope: Double) -> [Double] { x.map { $0 > 0 ? $0 : slope * $0 } }

    public static func maxPool2(_ x: [Double], _ d: Dims) -> (y: [Double], dims: Dims) {
        let od = Dims(d.n, d.c, d.h / 2, d.w / 2)
        var y = [Double](repeating: 0, count: od.count)
        for n in 0..<d.n { for c in 0..<d.c { for i in 0..<od.h { for j in 0..<od.w {
            y[od.index(n, c, i, j)] = [x[d.index(n, c, 2 * i, 2 * j)], x[d.index(n, c, 2 * i, 2 * j + 1)],
                                       x[d.index(n, c, 2 * i + 1, 2 * j)], x[d.index(n, c, 2 * i + 1, 2 * j + 1)]].max()!
        } } } }
        return (y, od)
    }

    public static func maxPool(_ x: [Double], _ d: Dims, kernel k: Int, stride s: Int) -> (y: [Double], dims: Dims) {
        let od = Dims(d.n, d.c, (d.h - k) / s + 1, (d.w - k) / s + 1)
        var y = [Double](repeating: 0, count: od.count)
        for n in 0..<d.n { for c in 0..<d.c { for i in 0..<od.h { for j in 0..<od.w {
            var best = -Double.infinity
            for a in 0..<k { for b in 0..<k { best = max(best, x[d.index(n, c, i * s + a, j * s + b)]) } }
            y[od.index(n, c, i, j)] = best
        } } } }
        return (y, od)
    }

    /// dlib's add_prev: the larger of each dimension, missing elements counted as zero.
    public static func paddedAdd(_ a: [Double], _ da: Dims, _ b: [Double], _ db: Dims) -> (y: [Double], dims: Dims) {
        let od = Dims(da.n, max(da.c, db.c), max(da.h, db.h), max(da.w, db.w))
        var y = [Double](repeating: 0, count: od.count)
        for (x, d) in [(a, da), (b, db)] {
            for n in 0..<d.n { for c in 0..<d.c { for i in 0..<d.h { for j in 0..<d.w {
                y[od.index(n, c, i, j)] += x[d.index(n, c, i, j)]
            } } } }
        }
        return (y, od)
    }

    public static func averagePool(_ x: [Double], _ d: Dims, size k: Int) -> (y: [Double], dims: Dims) {
        let od = Dims(d.n, d.c, d.h / k, d.w / k)
        var y = [Double](repeating: 0, count: od.count)
        for n in 0..<d.n { for c in 0..<d.c { for i in 0..<od.h { for j in 0..<od.w {
            var sum = 0.0
            for a in 0..<k { for b in 0..<k { sum += x[d.index(n, c, i * k + a, j * k + b)] } }
            y[od.index(n, c, i, j)] = sum / Double(k * k)
        } } } }
        return (y, od)
    }

    /// Bilinear ×2, align_corners = False: output o reads input coordinate max(0, (o + ½)/2 − ½).
    public static func bilinearUpsample2(_ x: [Double], _ d: Dims) -> (y: [Double], dims: Dims) {
        let od = Dims(d.n, d.c, 2 * d.h, 2 * d.w)
        func tap(_ o: Int, _ size: Int) -> (Int, Int, Double) {
            let src = max(0, (Double(o) + 0.5) / 2 - 0.5)
            let lo = min(Int(src), size - 1)
            return (lo, min(lo + 1, size - 1), src - Double(lo))
        }
        var y = [Double](repeating: 0, count: od.count)
        for n in 0..<d.n { for c in 0..<d.c { for i in 0..<od.h { for j in 0..<od.w {
            let (y0, y1, fy) = tap(i, d.h), (x0, x1, fx) = tap(j, d.w)
            let v00 = x[d.index(n, c, y0, x0)], v01 = x[d.index(n, c, y0, x1)]
            let v10 = x[d.index(n, c, y1, x0)], v11 = x[d.index(n, c, y1, x1)]
            y[od.index(n, c, i, j)] = (1 - fy) * ((1 - fx) * v00 + fx * v01) + fy * ((1 - fx) * v10 + fx * v11)
        } } } }
        return (y, od)
    }

    /// Masked pixel loss, as `Loss.pixel` defines it; mask is nil, per element, or per pixel (c = 1).
    public static func pixelLoss(_ kind: Loss.Kind, _ p: [Double], _ t: [Double], _ d: Dims, mask: [Double]?) -> Double {
        var total = 0.0, weight = 0.0
        let eps = Double(Loss.charbonnierEpsilon)
        for n in 0..<d.n { for c in 0..<d.c { for i in 0..<d.h { for j in 0..<d.w {
            let e = d.index(n, c, i, j)
            let m = mask.map { $0.count == d.count ? $0[e] : $0[(n * d.h + i) * d.w + j] } ?? 1
            let r = p[e] - t[e]
            let rho: Double
            switch kind {
            case .l1: rho = abs(r)
            case .l2: rho = r * r
            case .charbonnier: rho = (r * r + eps * eps).squareRoot() - eps
            }
            total += m * rho
            weight += m
        } } } }
        return weight > 0 ? total / weight : 0
    }

    /// mean over target elements of |o_c − t_c|·e^(−s) + s, s = the prediction's last channel.
    public static func uncertaintyL1(_ p: [Double], _ t: [Double], _ d: Dims) -> Double {
        let pd = Dims(d.n, d.c + 1, d.h, d.w)
        var total = 0.0
        for n in 0..<d.n { for c in 0..<d.c { for i in 0..<d.h { for j in 0..<d.w {
            let s = p[pd.index(n, d.c, i, j)]
            total += abs(p[pd.index(n, c, i, j)] - t[d.index(n, c, i, j)]) * exp(-s) + s
        } } } }
        return total / Double(d.count)
    }
}

import Foundation
