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
}
