import NeuralNet
import Tensor
import TestSupport
import XCTest

/// Every layer's forward against its Double reference, and its backward against central
/// differences of that reference (normwise relative tolerance 1e-3, Float vs Double).
final class LayerGradientTests: XCTestCase {
    func convCheck(_ cin: Int, _ cout: Int, k: Int, stride: Int, padding: Int, input: Shape) -> LayerCheck {
        let p = Parameters()
        let conv = Conv2d("c", cin, cout, kernel: k, stride: stride, padding: padding, parameters: p, workspace: Workspace())
        p.allocate()
        randomize(p, seed: 3)
        let weights = cout * cin * k * k
        return LayerCheck(layer: conv, parameters: p, inputs: [randomTensor(input, seed: 4)]) { xs, theta in
            Reference.conv2d(xs[0], .init(input), weight: Array(theta[0..<weights]), bias: Array(theta[weights...]),
                             outChannels: cout, kernel: k, stride: stride, padding: padding).y
        }
    }

    func testConvolutionGradients() {
        for (k, s, p) in [(3, 1, 1), (1, 1, 0), (3, 2, 1), (5, 2, 2), (2, 1, 0)] {
            let failures = convCheck(3, 4, k: k, stride: s, padding: p, input: Shape(2, 3, 7, 6)).run()
            XCTAssertEqual(failures, [], "k\(k) s\(s) p\(p)")
        }
    }

    /// A frozen conv (perceptual features) gives the same input gradient and touches no parameter gradient.
    func testFrozenConvolutionPassesOnlyTheInputGradient() {
        // Stride 2 (col2im route), 1×1 (plain GEMM) and stride 1 padded (the flipped-kernel route,
        // where a frozen layer has no per-block work left).
        for (k, s, p) in [(3, 2, 0), (1, 1, 0), (3, 1, 1)] {
            let check = convCheck(3, 4, k: k, stride: s, padding: p, input: Shape(1, 3, 7, 6))
            let conv = check.layer as! Conv2d, x = check.inputs[0]
            let y = conv.forward([x])
            let dY = randomTensor(y.shape, seed: 12)
            check.parameters!.zeroGradients()
            let trained = conv.backward(dY)[0].values
            check.parameters!.zeroGradients()
            conv.computesParameterGradients = false
            XCTAssertEqual(conv.backward(dY)[0].values, trained)
            XCTAssertTrue(UnsafeBufferPointer(start: check.parameters!.gradients.pointer, count: check.parameters!.count).allSatisfy { $0 == 0 }, "k\(k)")
        }
    }

    func testTransposedConvolutionGradients() {
        let p = Parameters()
        let layer = TransposedConv2("t", 3, 2, parameters: p, workspace: Workspace())
        p.allocate()
        randomize(p, seed: 5)
        let shape = Shape(2, 3, 3, 4)
        let check = LayerCheck(layer: layer, parameters: p, inputs: [randomTensor(shape, seed: 6)]) { xs, theta in
            Reference.transposedConv2(xs[0], .init(shape), weight: Array(theta[0..<24]), bias: Array(theta[24...]),
                                      outChannels: 2).y
        }
        XCTAssertEqual(check.run(), [])
    }

    func testActivationPoolingAndUpsamplingGradients() {
        let shape = Shape(2, 3, 6, 5)
        let x = randomTensor(shape, seed: 8)
        let d = Reference.Dims(shape)
        let checks: [(String, LayerCheck)] = [
            ("lrelu", LayerCheck(layer: LeakyReLU("r"), parameters: nil, inputs: [x]) { xs, _ in Reference.leakyReLU(xs[0], slope: 0.2) }),
            ("maxpool", LayerCheck(layer: MaxPool2("m"), parameters: nil, inputs: [x]) { xs, _ in Reference.maxPool2(xs[0], d).y }),
            ("avgpool", LayerCheck(layer: AveragePool("a", size: 2), parameters: nil, inputs: [x]) { xs, _ in
                Reference.averagePool(xs[0], d, size: 2).y }),
            ("avgpool3", LayerCheck(layer: AveragePool("a3", size: 3), parameters: nil, inputs: [x]) { xs, _ in
                Reference.averagePool(xs[0], d, size: 3).y }),
            ("maxpool3s2", LayerCheck(layer: MaxPool("m3", kernel: 3, stride: 2), parameters: nil, inputs: [x]) { xs, _ in
                Reference.maxPool(xs[0], d, kernel: 3, stride: 2).y }),
            ("global", LayerCheck(layer: GlobalAveragePool("g"), parameters: nil, inputs: [x]) { xs, _ in
                stride(from: 0, to: xs[0].count, by: 30).map { xs[0][$0..<($0 + 30)].reduce(0, +) / 30 } }),
            ("bilinear", LayerCheck(layer: BilinearUpsample2("u"), parameters: nil, inputs: [x]) { xs, _ in
                Reference.bilinearUpsample2(xs[0], d).y }),
        ]
        for (name, check) in checks { XCTAssertEqual(check.run(), [], name) }
    }

    func testConcatAndAddGradients() {
        let a = randomTensor(Shape(2, 2, 3, 3), seed: 1), b = randomTensor(Shape(2, 3, 3, 3), seed: 2)
        let concat = LayerCheck(layer: Concat("c"), parameters: nil, inputs: [a, b]) { xs, _ -> [Double] in
            var out: [Double] = []
            for n in 0..<2 {
                out += xs[0][(n * 18)..<((n + 1) * 18)]
                out += xs[1][(n * 27)..<((n + 1) * 27)]
            }
            return out
        }
        XCTAssertEqual(concat.run(), [])
        let c = randomTensor(Shape(2, 2, 3, 3), seed: 3)
        let add = LayerCheck(layer: Add("a"), parameters: nil, inputs: [a, c]) { xs, _ in zip(xs[0], xs[1]).map { $0 + $1 } }
        XCTAssertEqual(add.run(), [])
        // dlib's add_prev across a downsampling block: fewer channels and a larger map on one side.
        let small = randomTensor(Shape(2, 2, 4, 4), seed: 4), wide = randomTensor(Shape(2, 3, 3, 3), seed: 5)
        let padded = LayerCheck(layer: PaddedAdd("p"), parameters: nil, inputs: [small, wide]) { xs, _ in
            Reference.paddedAdd(xs[0], .init(small.shape), xs[1], .init(wide.shape)).y
        }
        XCTAssertEqual(padded.run(), [])
    }

    func testLossGradients() {
        let shape = Shape(2, 3, 4, 5)
        let d = Reference.Dims(shape)
        let p = randomTensor(shape, seed: 1), t = randomTensor(shape, seed: 2)
        var rng = TestRandom(seed: 3)
        let pixelMask = Tensor(Shape(2, 1, 4, 5), values: (0..<40).map { _ in (rng.next() + 1) / 2 })
        let fullMask = Tensor(shape, values: (0..<shape.count).map { _ in (rng.next() + 1) / 2 })
        for kind in Loss.Kind.allCases {
            for mask in [nil, pixelMask, fullMask] {
                let g = Tensor(shape)
                let value = Loss.pixel(kind, prediction: p, target: t, mask: mask, gradient: g)
                let md = mask.map { $0.values.map(Double.init) }
                let td = t.values.map(Double.init)
                let f = { (x: [Double]) in Reference.pixelLoss(kind, x, td, d, mask: md) }
                let pd = p.values.map(Double.init)
                XCTAssertEqual(Double(value), f(pd), accuracy: 1e-5, "\(kind) value")
                XCTAssertNil(mismatch(g.values, numericGradient(of: f, at: pd), tolerance: 1e-3), "\(kind) mask \(mask?.shape.c ?? 0)")
            }
        }
        let prediction = randomTensor(Shape(2, 4, 4, 5), seed: 5)
        let g = Tensor(prediction.shape)
        let value = Loss.uncertaintyL1(prediction: prediction, target: t, gradient: g)
        let td = t.values.map(Double.init)
        let f = { (x: [Double]) in Reference.uncertaintyL1(x, td, d) }
        let pd = prediction.values.map(Double.init)
        XCTAssertEqual(Double(value), f(pd), accuracy: 1e-5)
        XCTAssertNil(mismatch(g.values, numericGradient(of: f, at: pd), tolerance: 1e-3))
    }

    /// The check itself must be able to fail: a gradient off in one element, or a step that is
    /// far too large for the curvature, is reported.
    func testGradientCheckCatchesWrongGradients() {
        let corrupted = convCheck(3, 4, k: 3, stride: 1, padding: 1, input: Shape(1, 3, 5, 5)).run(corruptGradient: true)
        XCTAssertTrue(corrupted.contains { $0.hasPrefix("d input 0") }, "\(corrupted)")
        let f = { (x: [Double]) in exp(3 * x[0]) }
        let coarse = numericGradient(of: f, at: [1], step: 0.5)
        XCTAssertNotNil(mismatch([Float(3 * exp(3.0))], coarse, tolerance: 1e-3), "a coarse step must fail the check")
        XCTAssertNil(mismatch([Float(3 * exp(3.0))], numericGradient(of: f, at: [1]), tolerance: 1e-3))
    }
}
