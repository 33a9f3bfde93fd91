import Faces
import Foundation
import NeuralNet
import Refine
import Tensor
import TestSupport
import XCTest

final class NICeLossTests: XCTestCase {
    /// The loss gradient (pixel + identity stages, σ-weighted) against central differences along
    /// random directions of the output tensor (RGB and log-variance).
    func testGradientMatchesFiniteDifferences() throws {
        let identity = try FaceIdentity(path: try FaceAssets.locate(.identity))
        let vgg = try VGGFeatures(path: fixturePath("vgg/vgg19_narrow.safetensors"))
        for (features, uncertainty) in [(RefineOptions.Features.pixel, true), (.identity, true), (.identity, false), (.vgg19, true)] {
            var options = RefineOptions()
            options.features = features
            options.uncertainty = uncertainty
            let loss = NICeLoss(options: options, identity: features == .vgg19 ? vgg : identity)
            var random = TestRandom(seed: 3)
            let n = 72
            let output = Tensor(Shape(1, 4, n, n), values: (0..<(4 * n * n)).map { i in i < 3 * n * n ? 0.5 + 0.3 * random.next() : 0.5 * random.next() })
            // Pixel differences stay ≥ 0.05 away from L1's kink at 0.
            let reference = Tensor(Shape(1, 3, n, n), values: (0..<(3 * n * n)).map { i in
                let r = random.next()
                return output.values[i] + (r >= 0 ? 0.05 + 0.1 * r : -0.05 + 0.1 * r)
            })
            let gradient = Tensor(output.shape)
            _ = loss.evaluate(output: output, reference: reference, gradient: gradient)
            let g = gradient.values
            let scratch = Tensor(output.shape)
            func value(_ x: [Float]) -> Double { Double(loss.evaluate(output: Tensor(output.shape, values: x), reference: reference, gradient: scratch).total) }
            // Random directions make the sum cancel, so the tolerance is relative to the typical
            // directional derivative ‖g‖·‖v‖/√n, not to this one (feature kinks still cross a few).
            let norm = g.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            for trial in 0..<3 {
                let direction = (0..<output.count).map { _ in random.next() }
                let typical = norm * direction.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() / Double(output.count).squareRoot()
                let h: Float = 3e-4
                let plus = zip(output.values, direction).map { $0 + h * $1 }, minus = zip(output.values, direction).map { $0 - h * $1 }
                let numeric = (value(plus) - value(minus)) / Double(2 * h)
                let analytic = zip(g, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                XCTAssertEqual(analytic, numeric, accuracy: 0.05 * typical, "\(features) uncertainty \(uncertainty) direction \(trial)")
            }
        }
    }

    /// A stand-in 3D term: Σ x² over the RGB crop, gradient 2x.
    final class SquaredSum: RefineLossTerm {
        let names = ["squares"]
        func evaluate(rgb: Tensor, frame: Int, dRGB: Tensor) -> [Float] {
            for i in 0..<rgb.count { dRGB.pointer[i] += 2 * rgb.pointer[i] }
            return [rgb.values.reduce(0) { $0 + $1 * $1 }]
        }
    }

    /// Extra terms enter scaled by the σ-weighted data terms' mean weight mean e^(−s) (1 under
    /// plain L1), so σ cannot tip the balance between the data and the prior.
    func testExtraTermsKeepTheirBalanceWithTheDataTerms() {
        let n = 8, plane = n * n
        for (uncertainty, raw) in [(true, Float(1.5)), (true, -0.7), (false, 1.5)] {
            var options = RefineOptions()
            options.features = .pixel
            options.uncertainty = uncertainty
            let plain = NICeLoss(options: options, identity: nil), extended = NICeLoss(options: options, identity: nil)
            extended.extraTerms = [SquaredSum()]
            // s = raw everywhere but for one pixel, so the weight is a mean, not one value.
            let output = Tensor(Shape(1, 4, n, n), values: (0..<(4 * plane)).map { i in
                i < 3 * plane ? 0.2 + 0.5 * Float(i % 7) / 7 : (i == 3 * plane ? raw + 1 : raw) })
            let reference = Tensor(Shape(1, 3, n, n), values: (0..<(3 * plane)).map { _ in 0.4 })
            let g0 = Tensor(output.shape), g1 = Tensor(output.shape)
            let base = plain.evaluate(output: output, reference: reference, gradient: g0)
            let with = extended.evaluate(output: output, reference: reference, gradient: g1)
            let bound = NICeLoss.logVarianceBound
            let weights = (0..<plane).map { Foundation.exp(-Double(NICeLoss.boundedLogVariance(output.values[3 * plane + $0], bound: bound))) }
            let m = uncertainty ? weights.reduce(0, +) / Double(plane) : 1
            let squares = (0..<(3 * plane)).reduce(0.0) { $0 + Double(output.values[$1] * output.values[$1]) }
            XCTAssertEqual(Double(with.terms.last!), squares, accuracy: 1e-4 * squares, "the term's own value is reported")
            XCTAssertEqual(Double(with.total - base.total), m * squares, accuracy: 1e-4 * m * squares, "uncertainty \(uncertainty) s \(raw)")
            for i in [0, 5, 3 * plane - 1] {
                XCTAssertEqual(Double(g1.values[i] - g0.values[i]), m * 2 * Double(output.values[i]), accuracy: 1e-4 * m, "pixel \(i)")
            }
            XCTAssertEqual(g1.values[3 * plane + 2], g0.values[3 * plane + 2], "s gets no gradient from the extra terms")
            if uncertainty { XCTAssertNotEqual(m, 1, accuracy: 0.1) }
        }
    }

    /// The normalised step divides the RGB gradient by m = mean e^(−s) and leaves s's alone, so σ
    /// weighs pixels against each other without rescaling the step (value unchanged).
    func testNormalisedStepDividesTheRGBGradientByTheMeanWeight() {
        let n = 8, plane = n * n
        var options = RefineOptions()
        options.features = .pixel
        let raw = NICeLoss(options: options, identity: nil), normalised = NICeLoss(options: options, identity: nil)
        normalised.normalizesStep = true
        let output = Tensor(Shape(1, 4, n, n), values: (0..<(4 * plane)).map { i in
            i < 3 * plane ? 0.2 + 0.5 * Float(i % 7) / 7 : -2 + Float(i % 5) / 4 })
        let reference = Tensor(Shape(1, 3, n, n), values: (0..<(3 * plane)).map { _ in 0.4 })
        let g0 = Tensor(output.shape), g1 = Tensor(output.shape)
        let a = raw.evaluate(output: output, reference: reference, gradient: g0)
        let b = normalised.evaluate(output: output, reference: reference, gradient: g1)
        XCTAssertEqual(a.total, b.total)
        let m = (0..<plane).map { Foundation.exp(-Double(NICeLoss.boundedLogVariance(output.values[3 * plane + $0]))) }.reduce(0, +) / Double(plane)
        XCTAssertGreaterThan(m, 2, "s < 0 here: the raw step is m times L1's")
        for i in [0, 7, 3 * plane - 1] { XCTAssertEqual(Double(g1.values[i]), Double(g0.values[i]) / m, accuracy: 1e-6 + 1e-5 * abs(Double(g0.values[i]))) }
        for i in (3 * plane)..<(4 * plane) { XCTAssertEqual(g1.values[i], g0.values[i]) }
    }
}
