import Foundation
import NeuralNet
import Tensor
import TestSupport
import XCTest

/// VGG19 features against PyTorch: a VGG19-shaped stack (channels ÷ 32, torchvision's layer
/// indices) converted by tools/convert_vgg19.py; stage activations and the input gradient of a
/// weighted sum of them (Fixtures/vgg, from tools/golden/vgg_golden.py).
final class VGGFeaturesTests: XCTestCase {
    func testStagesAndInputGradientMatchPyTorch() throws {
        let vgg = try VGGFeatures(path: fixturePath("vgg/vgg19_narrow.safetensors"))
        let (golden, _) = try Safetensors.read(fixturePath("vgg/vgg_golden.safetensors"))
        let input = try XCTUnwrap(golden["input"])
        let x = Tensor(Shape(1, 3, 32, 32), values: input.values)
        XCTAssertEqual(vgg.usableStages(height: 32, width: 32), vgg.stages)
        XCTAssertEqual(vgg.usableStages(height: 8, width: 8), ["conv1_2", "conv2_2", "conv3_2", "conv4_2"])
        vgg.forward(unitRGB: x, through: "conv5_2")
        var seeds: [String: Tensor] = [:]
        for stage in vgg.stages {
            let expected = try XCTUnwrap(golden[stage]), got = try XCTUnwrap(vgg.features(stage))
            XCTAssertEqual([got.shape.n, got.shape.c, got.shape.h, got.shape.w], expected.shape, stage)
            let scale = max(1e-6, expected.values.map(abs).max()!)
            let worst = zip(got.values, expected.values).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst / scale, 1e-4, stage)
            let seed = try XCTUnwrap(golden[stage + ".seed"])
            seeds[stage] = Tensor(got.shape, values: seed.values)
        }
        XCTAssertEqual(x.values, input.values, "the input is not modified")
        let gradient = vgg.unitInputGradient(seeds)
        let expected = try XCTUnwrap(golden["input.gradient"])
        let scale = expected.values.map(abs).max()!
        XCTAssertLessThan(zip(gradient.values, expected.values).map { abs($0 - $1) }.max()! / scale, 1e-4)
    }

    func testRejectsAFileWithoutVGGsLayers() throws {
        XCTAssertThrowsError(try VGGFeatures(path: fixturePath("unet_golden.safetensors"))) { error in
            XCTAssertTrue("\(error)".contains("features.0.weight"), "\(error)")
        }
    }
}
