import Foundation
public import NeuralNet
public import Tensor

/// NICe's training loss on one frame, with its gradient. The network predicts RGB X_o and a
/// per-pixel log-variance s = log σ²; for the pixel term (l = 0) and each feature
/// stage l of the perceptual network (the identity ResNet, or VGG19):
///
///     L_l = mean over channels and positions of ( |φ_l(X_o) − φ_l(X_ref)| · e^(−s_l) + s_l )
///     L   = w_0 · L_0 + Σ_l w_l · L_l
///
/// φ_0 is the pixel itself, s_0 = s, and s_l is s average-pooled to stage l's size. Where the
/// proxy is an outlier (a block, a collapsed mouth) the fit cannot follow it, |·| stays large and
/// the network learns to raise s there, down-weighting it: aleatoric uncertainty (Kendall & Gal).
/// Without uncertainty every term is a plain mean L1 and s gets no gradient. Extra terms (the 3D
/// prior's) are added as m · L_extra, m = mean e^(−s) over the region held constant within the
/// step (`meanDataWeight`): the balance they have with the data terms under L1.
/// Further loss terms on the refined RGB crop: where the 3D face prior's albedo and detail
/// losses plug in. `evaluate` returns one (weighted) value per name and adds the gradient of
/// their sum with respect to the RGB crop [1, 3, h, w] into `dRGB`.
public protocol RefineLossTerm: AnyObject {
    var names: [String] { get }
    func evaluate(rgb: Tensor, frame: Int, dRGB: Tensor) -> [Float]
}

public final class NICeLoss {
    /// Extra terms (the 3D prior's), evaluated after the perceptual ones; their values come last in `terms`.
    public var extraTerms: [RefineLossTerm] = []
    public var extraNames: [String] { extraTerms.flatMap(\.names) }
    /// Seconds spent in the extra terms so far (the report's time split).
    public private(set) var extraSeconds = 0.0
    /// The factor m the extra terms entered the last evaluation with (`meanDataWeight`; 1 under L1).
    public private(set) var lastBalance: Float = 1

    let pixelWeight: Float
    let featureWeights: [Float]
    /// σ weighting on; the trainer switches it on once the warm-up is over (see `RefineOptions.uncertaintyWarmup`).
    public var uncertainty: Bool
    let features: PerceptualFeatures?
    private var usable: [Int: [String]] = [:]

    /// The weighted stages an h×w crop reaches.
    private func stages(_ h: Int, _ w: Int) -> [String] {
        guard let features else { return [] }
        if let known = usable[h * 100_003 + w] { return known }
        let reachable = Set(features.usableStages(height: h, width: w))
        let chosen = features.stages.prefix(featureWeights.count).enumerated()
            .filter { reachable.contains($0.element) && featureWeights[$0.offset] > 0 }.map(\.element)
        usable[h * 100_003 + w] = chosen
        return chosen
    }

    /// `features`: the perceptual network (dlib's identity ResNet or VGG19); nil or
    /// `--features pixel` leaves the pixel term alone.
    public init(options: RefineOptions, identity features: PerceptualFeatures?) {
        pixelWeight = options.pixelWeight
        featureWeights = options.features == .pixel ? [] : options.featureWeights
        uncertainty = options.uncertainty
        self.features = options.features == .pixel ? nil : features
    }

    /// Loss of `output` [1, 4, h, w] against `reference` [1, 3, h, w] (RGB in [0, 1]); writes
    /// d loss / d output into `gradient` (same shape as output). Returns the total and each term.
    /// `region` (h·w values in [0, 1], optional) weights positions: the mean becomes a weighted
    /// mean, so the fit spends itself on the face and not on background it never pastes.
    public func evaluate(output: Tensor, reference: Tensor, gradient: Tensor, region: [Float]? = nil,
                         frame: Int = 0) -> (total: Float, terms: [Float]) {
        let h = output.shape.h, w = output.shape.w, plane = h * w
        precondition(output.shape == Shape(1, 4, h, w) && reference.shape == Shape(1, 3, h, w) && gradient.shape == output.shape)
        gradient.fill(0)
        // The network's fourth channel, bounded: s = B·tanh(raw/B) keeps e^(−s) finite however far
        // a step throws the raw value, with a gradient everywhere.
        let raw = output.pointer + 3 * plane
        let limit = logVarianceLimit
        var bounded = (0..<plane).map { Self.boundedLogVariance(raw[$0], bound: limit) }
        var dBounded = [Float](repeating: 0, count: plane)
        defer {
            for i in 0..<plane {
                let t = bounded[i] / limit
                gradient.pointer[3 * plane + i] = dBounded[i] * (1 - t * t)
            }
        }
        var result = bounded.withUnsafeMutableBufferPointer { sBuffer in
            dBounded.withUnsafeMutableBufferPointer { dsBuffer in
                terms(output: output, reference: reference, gradient: gradient, region: region,
                      s: sBuffer.baseAddress!, ds: dsBuffer.baseAddress!)
            }
        }
        // The data terms' mean weight (1 under L1): the extra terms' balance and the normalised step's divisor.
        let balance = uncertainty ? Self.meanDataWeight(bounded, region: region) : 1
        if !extraTerms.isEmpty {
            let rgb = Tensor(Shape(1, 3, output.shape.h, output.shape.w), values: Array(output.values[0..<(3 * plane)]))
            let dRGB = Tensor(rgb.shape)
            dRGB.fill(0)
            let start = DispatchTime.now().uptimeNanoseconds
            var extras: [Float] = []
            for term in extraTerms { extras += term.evaluate(rgb: rgb, frame: frame, dRGB: dRGB) }
            extraSeconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            lastBalance = balance
            for i in 0..<(3 * plane) { gradient.pointer[i] += balance * dRGB.pointer[i] }
            result.terms += extras
            result.total += balance * extras.reduce(0, +)
        }
        if uncertainty, normalizesStep {
            for i in 0..<(3 * plane) { gradient.pointer[i] /= balance }
        }
        return result
    }

    /// The σ-weighted data terms' mean weight, Σ r·e^(−s) / Σ r (1 under plain L1). The extra
    /// terms are scaled by it, held constant within the step, so they keep the balance with the
    /// data terms that they have under L1. Unscaled, σ itself tips that balance: where the output
    /// strays from the proxy, s grows, e^(−s) shrinks the data term there, and the prior's pull
    /// meets less resistance — a loop by which 256² fits collapsed onto the target crop (docs/benchmarks.md,
    /// "3D face prior" benchmarks; with the balance, one skin-transfer fit in twelve still
    /// collapsed while the albedo was compared through a 13-texel box, none by its mean tone; a
    /// clip whose swap changes the skin tone collapses with or without σ).
    static func meanDataWeight(_ s: [Float], region: [Float]?) -> Float {
        var weighted = 0.0, mass = 0.0
        for i in s.indices {
            let r = Double(region?[i] ?? 1)
            weighted += r * Foundation.exp(-Double(s[i]))
            mass += r
        }
        return mass > 0 ? Float(weighted / mass) : 1
    }

    /// Bound of the log-variance (σ between e^(−3) and e^3 in the loss).
    public static let logVarianceBound: Float = 6

    public static func boundedLogVariance(_ raw: Float, bound: Float = logVarianceBound) -> Float { bound * tanh(raw / bound) }

    /// The bound in force (0 < limit ≤ `logVarianceBound`): the trainer widens it step by step
    /// after σ switches on, so the weights e^(−s) — and with them the gradients' scale — grow
    /// gradually instead of jumping up to e^6-fold while Adam's moments still hold the old scale.
    public var logVarianceLimit: Float = logVarianceBound

    /// Divide the RGB gradient by m = mean e^(−s) (`meanDataWeight`, held constant within the
    /// step): σ still weighs pixels against each other, but no longer rescales the whole step.
    /// Unnormalised, σ's switch-on multiplies the RGB gradient by e^(−s) ≈ 1/|error| (~50 for a
    /// 5-grey-level error) while Adam's second moment (β2 = 0.999: ~1000 steps) still holds plain
    /// L1's scale, and the fit collapses: on a real pair the stop's score fell from 32 to 17 dB at
    /// σ's switch-on and had not recovered 128 steps later (docs/real-footage.md). The s gradient
    /// is left whole. False gives the loss's own gradient (the gradient check).
    public var normalizesStep = false

    private func terms(output: Tensor, reference: Tensor, gradient: Tensor, region: [Float]?,
                       s: UnsafeMutablePointer<Float>, ds: UnsafeMutablePointer<Float>) -> (total: Float, terms: [Float]) {
        let h = output.shape.h, w = output.shape.w, plane = h * w
        var terms: [Float] = []
        terms.append(pixelWeight * weightedL1(output.pointer, reference.pointer, channels: 3, plane: plane, region: region,
                                              logVariance: s, dOutput: gradient.pointer, dLogVariance: ds, weight: pixelWeight))
        let stages = stages(h, w)
        guard let features, let deepest = stages.last else { return (terms.reduce(0, +), terms) }

        // Reference features first (the network's buffers are reused by the next forward).
        features.forward(unitRGB: reference, through: deepest)
        let refFeatures = stages.map { Tensor(features.features($0)!.shape, values: features.features($0)!.values) }

        features.forward(unitRGB: Tensor(reference.shape, values: Array(output.values[0..<(3 * plane)])), through: deepest)
        var seeds: [String: Tensor] = [:]
        for (k, stage) in stages.enumerated() {
            let weight = featureWeights[features.stages.firstIndex(of: stage)!]
            let phi = features.features(stage)!, ref = refFeatures[k]
            let fh = phi.shape.h, fw = phi.shape.w
            let pooled = AreaPool(from: (h, w), to: (fh, fw))
            var sl = pooled.forward(s)
            var dsl = [Float](repeating: 0, count: fh * fw)
            let seed = Tensor(phi.shape)
            seed.fill(0)
            let pooledRegion = region.map { r in r.withUnsafeBufferPointer { pooled.forward($0.baseAddress!) } }
            let value = sl.withUnsafeMutableBufferPointer { slp in
                dsl.withUnsafeMutableBufferPointer { dslp in
                    weightedL1(phi.pointer, ref.pointer, channels: phi.shape.c, plane: fh * fw, region: pooledRegion,
                               logVariance: slp.baseAddress!, dOutput: seed.pointer, dLogVariance: dslp.baseAddress!, weight: weight)
                }
            }
            terms.append(weight * value)
            seeds[stage] = seed
            if uncertainty { pooled.backward(dsl, into: ds) }
        }
        let dInput = features.unitInputGradient(seeds)
        for i in 0..<(3 * plane) { gradient.pointer[i] += dInput.pointer[i] }
        return (terms.reduce(0, +), terms)
    }

    /// Σ r·(|a − b|·e^(−s) + s) / Σ r over channels × positions (s and the region weight r shared
    /// by the channels of a position; r = 1 without a region); adds weight × its gradient into
    /// dOutput and dLogVariance.
    private func weightedL1(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, channels: Int, plane: Int, region: [Float]?,
                            logVariance s: UnsafePointer<Float>, dOutput: UnsafeMutablePointer<Float>,
                            dLogVariance: UnsafeMutablePointer<Float>, weight: Float) -> Float {
        let mass = Float(channels) * (region.map { $0.reduce(0, +) } ?? Float(plane))
        guard mass > 0 else { return 0 }
        let scale = weight / mass
        var total = 0.0
        for i in 0..<plane {
            let r = region?[i] ?? 1
            guard r > 0 else { continue }
            let sv = uncertainty ? s[i] : 0
            let e = uncertainty ? exp(-sv) : 1
            var dS: Float = 0
            for c in 0..<channels {
                let k = c * plane + i
                let d = a[k] - b[k]
                total += Double(r * (abs(d) * e + sv))
                dOutput[k] += (d > 0 ? e : (d < 0 ? -e : 0)) * scale * r
                dS += (1 - abs(d) * e) * scale * r
            }
            if uncertainty { dLogVariance[i] += dS }
        }
        return Float(total / Double(mass))
    }
}

/// Average pooling of an h×w map onto an fh×fw grid of (possibly overlapping) bins, as PyTorch's
/// adaptive average pool: bin i covers rows ⌊i·h/fh⌋ ..< ⌈(i+1)·h/fh⌉. Backward spreads each
/// bin's gradient evenly over its pixels.
struct AreaPool {
    let rows: [Range<Int>]
    let columns: [Range<Int>]
    let width: Int

    init(from size: (Int, Int), to grid: (Int, Int)) {
        let (h, w) = size, (fh, fw) = grid
        rows = (0..<fh).map { ($0 * h / fh)..<(((($0 + 1) * h) + fh - 1) / fh) }
        columns = (0..<fw).map { ($0 * w / fw)..<(((($0 + 1) * w) + fw - 1) / fw) }
        width = w
    }

    func forward(_ x: UnsafePointer<Float>) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(rows.count * columns.count)
        for r in rows {
            for c in columns {
                var sum: Float = 0
                for y in r { for xx in c { sum += x[y * width + xx] } }
                out.append(sum / Float(r.count * c.count))
            }
        }
        return out
    }

    func backward(_ dOut: [Float], into dx: UnsafeMutablePointer<Float>) {
        var k = 0
        for r in rows {
            for c in columns {
                let g = dOut[k] / Float(r.count * c.count)
                for y in r { for xx in c { dx[y * width + xx] += g } }
                k += 1
            }
        }
    }
}
