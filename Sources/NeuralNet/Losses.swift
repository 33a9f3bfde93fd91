public import Tensor

/// Pixel losses: value plus the gradient with respect to the prediction, written into `gradient`
/// (overwritten, shape of the prediction). With a mask (shape [N, 1, H, W] broadcast over
/// channels, or the prediction's shape) the loss is Σ m·ρ(p − t) / Σ m over all elements;
/// without, the mean of ρ(p − t).
public enum Loss {
    public enum Kind: String, Sendable, CaseIterable {
        /// ρ(d) = |d|
        case l1
        /// ρ(d) = d²
        case l2
        /// ρ(d) = √(d² + ε²) − ε, ε = 1e-3: L1 that is smooth at 0
        case charbonnier
    }

    public static let charbonnierEpsilon: Float = 1e-3

    @discardableResult
    public static func pixel(_ kind: Kind, prediction p: Tensor, target t: Tensor, mask: Tensor? = nil,
                             gradient g: Tensor) -> Float {
        precondition(p.shape == t.shape && g.shape == p.shape, "loss shapes: \(p.shape) \(t.shape) \(g.shape)")
        let s = p.shape
        let broadcast = mask.map { $0.shape.c == 1 && s.c != 1 } ?? false
        if let mask {
            precondition(mask.shape == s || (broadcast && mask.shape == Shape(s.n, 1, s.h, s.w)),
                         "mask \(mask.shape) does not fit \(s)")
        }
        var weightSum = 0.0
        if let mask {
            for i in 0..<mask.count { weightSum += Double(mask.pointer[i]) }
            if broadcast { weightSum *= Double(s.c) }
        } else {
            weightSum = Double(s.count)
        }
        guard weightSum > 0 else {
            g.fill(0)
            return 0
        }
        let scale = Float(1 / weightSum)
        let eps = charbonnierEpsilon
        var total = 0.0
        for n in 0..<s.n {
            for c in 0..<s.c {
                let base = (n * s.c + c) * s.plane
                let maskBase = broadcast ? n * s.plane : base
                for i in 0..<s.plane {
                    let d = p.pointer[base + i] - t.pointer[base + i]
                    let m: Float = mask.map { $0.pointer[maskBase + i] } ?? 1
                    let value: Float, slope: Float
                    switch kind {
                    case .l1: value = abs(d); slope = d > 0 ? 1 : (d < 0 ? -1 : 0)
                    case .l2: value = d * d; slope = 2 * d
                    case .charbonnier:
                        let r = (d * d + eps * eps).squareRoot()
                        value = r - eps
                        slope = d / r
                    }
                    total += Double(m * value)
                    g.pointer[base + i] = m * slope * scale
                }
            }
        }
        return Float(total / weightSum)
    }

    /// Aleatoric-uncertainty L1: the prediction carries one extra, last channel s = log σ².
    /// L = mean over the C·H·W target elements of |o_c − t_c|·e^(−s) + s, so outlier pixels can
    /// buy a smaller weight at the price of the + s term.
    @discardableResult
    public static func uncertaintyL1(prediction p: Tensor, target t: Tensor, gradient g: Tensor) -> Float {
        let s = t.shape
        precondition(p.shape == Shape(s.n, s.c + 1, s.h, s.w) && g.shape == p.shape,
                     "uncertainty loss: prediction \(p.shape) must have one channel more than target \(s)")
        let count = Double(s.count)
        let scale = Float(1 / count)
        var total = 0.0
        for n in 0..<s.n {
            let logVariance = p.pointer + (n * p.shape.c + s.c) * s.plane
            let dLogVariance = g.pointer + (n * p.shape.c + s.c) * s.plane
            for i in 0..<s.plane {
                let weight = (-logVariance[i]).exp
                var dS: Float = 0
                for c in 0..<s.c {
                    let pi = (n * p.shape.c + c) * s.plane + i
                    let d = p.pointer[pi] - t.pointer[(n * s.c + c) * s.plane + i]
                    total += Double(abs(d) * weight + logVariance[i])
                    g.pointer[pi] = (d > 0 ? weight : (d < 0 ? -weight : 0)) * scale
                    dS += (1 - abs(d) * weight) * scale
                }
                dLogVariance[i] = dS
            }
        }
        return Float(total / count)
    }
}

extension Float {
    @inline(__always) var exp: Float { Foundation.exp(self) }
}

import Foundation
