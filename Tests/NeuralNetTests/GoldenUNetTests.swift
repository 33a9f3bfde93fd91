import Foundation
import NeuralNet
import Tensor
import TestSupport
import XCTest

/// A tiny UNet trained for 3 Adam steps here and in PyTorch (tools/golden/unet_golden.py):
/// output, loss, every gradient and the final weights must agree.
final class GoldenUNetTests: XCTestCase {
    func testTinyUNetMatchesPyTorchThroughThreeAdamSteps() throws {
        let (golden, metadata) = try Safetensors.read(fixturePath("unet_golden.safetensors"))
        let config = UNetConfig(levels: Int(metadata["levels"] ?? "") ?? 0, baseChannels: Int(metadata["base"] ?? "") ?? 0,
                                logVariance: true)
        XCTAssertEqual(config.levels, 3)
        let net = UNet.build(config)
        let params = net.parameters
        XCTAssertEqual(Set(params.entries.map { "init." + $0.name }),
                       Set(golden.keys.filter { $0.hasPrefix("init.") }), "parameter names differ from the PyTorch twin")
        for entry in params.entries {
            let source = try XCTUnwrap(golden["init." + entry.name])
            XCTAssertEqual(source.shape, entry.shape, entry.name)
            let target = params.value(entry)
            for (i, v) in source.values.enumerated() { target[i] = v }
        }
        func tensor(_ name: String) throws -> Tensor {
            let t = try XCTUnwrap(golden[name], name)
            return Tensor(Shape(t.shape[0], t.shape[1], t.shape[2], t.shape[3]), values: t.values)
        }
        let input = try tensor("input"), target = try tensor("target")
        let expectedLosses = (metadata["losses"] ?? "").split(separator: " ").compactMap { Double($0) }
        XCTAssertEqual(expectedLosses.count, 3)

        var settings = Adam.Settings()
        settings.learningRate = Float(metadata["lr"].flatMap { Double($0) } ?? 0)
        let adam = Adam(parameters: params, settings: settings)
        for step in 0..<3 {
            let output = net.forward(input)
            let dOutput = Tensor(output.shape)
            let loss = Loss.uncertaintyL1(prediction: output, target: target, gradient: dOutput)
            XCTAssertEqual(Double(loss), expectedLosses[step], accuracy: 1e-4 * expectedLosses[step], "loss at step \(step)")
            params.zeroGradients()
            net.backward(dOutput)
            if step == 0 {
                let expected = try XCTUnwrap(golden["output"])
                XCTAssertNil(mismatch(output.values, expected.values.map(Double.init), tolerance: 1e-4), "forward output")
                for entry in params.entries {
                    let want = try XCTUnwrap(golden["grad." + entry.name]).values.map(Double.init)
                    XCTAssertNil(mismatch(Array(params.gradient(entry)), want, tolerance: 1e-4), "gradient of \(entry.name)")
                }
            }
            adam.update()
        }
        for entry in params.entries {
            let want = try XCTUnwrap(golden["after." + entry.name]).values.map(Double.init)
            XCTAssertNil(mismatch(Array(params.value(entry)), want, tolerance: 1e-4), "weights of \(entry.name) after 3 steps")
        }
    }
}
