import NeuralNet
import Tensor
import TestSupport
import XCTest

/// Central differences of a Double function, one coordinate at a time.
func numericGradient(of f: ([Double]) -> Double, at x: [Double], step h: Double = 1e-6) -> [Double] {
    var probe = x
    return x.indices.map { i in
        probe[i] = x[i] + h
        let up = f(probe)
        probe[i] = x[i] - h
        let down = f(probe)
        probe[i] = x[i]
        return (up - down) / (2 * h)
    }
}

/// Worst normwise relative error max|a − e| / max|e|, with where it happened; nil when within `tolerance`.
func mismatch(_ actual: [Float], _ expected: [Double], tolerance: Double) -> String? {
    precondition(actual.count == expected.count, "lengths \(actual.count) vs \(expected.count)")
    let scale = max(expected.map(abs).max() ?? 0, 1e-12)
    var worst = 0.0, at = 0
    for i in expected.indices {
        let e = abs(Double(actual[i]) - expected[i]) / scale
        if e > worst { (worst, at) = (e, i) }
    }
    return worst <= tolerance ? nil
        : "relative error \(worst) at \(at): got \(actual[at]), expected \(expected[at]) (scale \(scale))"
}

/// What the gradient checks use for a single layer: the fast Float layer, its inputs, and a
/// Double reference of the same function taking (inputs, all parameters flat).
struct LayerCheck {
    let layer: Layer
    let parameters: Parameters?
    let inputs: [Tensor]
    let reference: ([[Double]], [Double]) -> [Double]

    /// Checks forward against the reference, then input and parameter gradients against central
    /// differences of the reference. Returns the failures (empty when all agree).
    func run(seed: UInt64 = 9, forwardTolerance: Double = 1e-5, gradientTolerance: Double = 1e-3,
             corruptGradient: Bool = false) -> [String] {
        var failures: [String] = []
        let xs = inputs.map { $0.values.map(Double.init) }
        let theta = parameters.map { p in (0..<p.count).map { Double(p.values.pointer[$0]) } } ?? []
        let y = layer.forward(inputs)
        let expected = reference(xs, theta)
        if let m = mismatch(y.values, expected, tolerance: forwardTolerance) { failures.append("forward: \(m)") }

        var rng = TestRandom(seed: seed)
        let r = (0..<y.count).map { _ in Double(rng.next()) }
        let dY = Tensor(y.shape, values: r.map(Float.init))
        parameters?.zeroGradients()
        var dXs = layer.backward(dY).map(\.values)
        if corruptGradient, !dXs.isEmpty, !dXs[0].isEmpty { dXs[0][dXs[0].count / 2] += 0.05 * (dXs[0].map(abs).max() ?? 1) + 0.01 }
        func objective(_ out: [Double]) -> Double { zip(out, r).reduce(0) { $0 + $1.0 * $1.1 } }

        for (k, x) in xs.enumerated() where k < dXs.count {
            let numeric = numericGradient(of: { probe in
                var all = xs
                all[k] = probe
                return objective(reference(all, theta))
            }, at: x)
            if let m = mismatch(dXs[k], numeric, tolerance: gradientTolerance) { failures.append("d input \(k): \(m)") }
        }
        if let parameters, parameters.count > 0 {
            let numeric = numericGradient(of: { objective(reference(xs, $0)) }, at: theta)
            let analytic = (0..<parameters.count).map { parameters.gradients.pointer[$0] }
            if let m = mismatch(analytic, numeric, tolerance: gradientTolerance) { failures.append("d parameters: \(m)") }
        }
        return failures
    }
}

func randomTensor(_ shape: Shape, seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = TestRandom(seed: seed)
    return Tensor(shape, values: (0..<shape.count).map { _ in scale * rng.next() })
}

func randomize(_ parameters: Parameters, seed: UInt64) {
    var rng = TestRandom(seed: seed)
    for i in 0..<parameters.count { parameters.values.pointer[i] = 0.5 * rng.next() }
}

extension Reference.Dims {
    init(_ s: Shape) { self.init(s.n, s.c, s.h, s.w) }
}
