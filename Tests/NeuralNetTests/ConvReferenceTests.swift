import NeuralNet
import Tensor
import TestSupport
import XCTest

/// The im2col + sgemm convolution equals the direct one, forward and backward, on awkward shapes.
final class ConvReferenceTests: XCTestCase {
    func testFastConvEqualsNaiveConvOnRandomShapes() {
        var rng = TestRandom(seed: 21)
        func pick(_ values: [Int]) -> Int { values[Int((rng.next() + 1) / 2 * Float(values.count)) % values.count] }
        // Backward takes one of two routes for dX: stride 1 with p ≤ k − 1 is a convolution of dY
        // with the flipped weights; anything else is Wᵀ·dY folded back by col2im. Both must be hit.
        var byConvolution = 0, byCol2im = 0
        for trial in 0..<24 {
            let k = pick([1, 2, 3, 5]), s = pick([1, 2]), p = pick([0, 1, 2])
            let cin = pick([1, 3, 4, 7]), cout = pick([1, 2, 5, 8])
            let h = pick([5, 8, 9, 13]), w = pick([4, 7, 11, 16]), n = pick([1, 2])
            guard h + 2 * p >= k, w + 2 * p >= k else { continue }
            let pointwise = k == 1 && s == 1 && p == 0
            if s == 1 && p <= k - 1 && !pointwise { byConvolution += 1 } else if !pointwise { byCol2im += 1 }
            let params = Parameters()
            let conv = Conv2d("c", cin, cout, kernel: k, stride: s, padding: p, parameters: params, workspace: Workspace())
            // Odd trials fold the image in blocks of rows (one to a few rows per im2col block); the
            // blocks go to 1, 2 or 3 workers, or one after another with each GEMM split.
            if trial % 2 == 1 { conv.tileColumns = pick([1, 9, 20]) }
            conv.workers = 1 + trial % 3
            params.allocate()
            randomize(params, seed: UInt64(trial))
            let x = randomTensor(Shape(n, cin, h, w), seed: UInt64(100 + trial))
            let label = "trial \(trial): n\(n) cin\(cin) cout\(cout) \(h)x\(w) k\(k) s\(s) p\(p)"

            checkAgainstReference(conv, params, x, dySeed: UInt64(200 + trial), label)
        }
        XCTAssertGreaterThanOrEqual(byConvolution, 4, "trials through the flipped-weight input gradient")
        XCTAssertGreaterThanOrEqual(byCol2im, 4, "trials through the col2im input gradient")
    }

    /// Two workers taking whole blocks each (the col2im route in two phases, even blocks then odd),
    /// and the same layers with every GEMM split by rows instead, on images big enough for both.
    func testWorkersSharingBlocksOrSplittingProductsEqualTheNaiveConv() {
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (1, 1, 0), (5, 2, 2)] {
            for split in [false, true] {
                let params = Parameters()
                let conv = Conv2d("c", 5, 40, kernel: k, stride: s, padding: p, parameters: params, workspace: Workspace())
                conv.workers = 2
                conv.tileColumns = 48  // blocks of a few rows, so each worker gets several
                conv.minimumWorkerPixels = split ? .max : 1
                params.allocate()
                randomize(params, seed: 5)
                let x = randomTensor(Shape(2, 5, 26, 22), seed: 6)
                checkAgainstReference(conv, params, x, dySeed: 7, "k\(k) s\(s) p\(p) \(split ? "split GEMMs" : "blocks per worker")")
            }
        }
    }

    /// Forward, dX, dW and db of `conv` (whose parameters are `params`) against the Double reference.
    private func checkAgainstReference(_ conv: Conv2d, _ params: Parameters, _ x: Tensor, dySeed: UInt64, _ label: String,
                                       file: StaticString = #filePath, line: UInt = #line) {
        let (k, s, p) = (conv.kernel, conv.stride, conv.padding)
        let theta = (0..<params.count).map { Double(params.values.pointer[$0]) }
        let weights = conv.outChannels * conv.inChannels * k * k
        let y = conv.forward([x])
        let ref = Reference.conv2d(x.values.map(Double.init), .init(x.shape), weight: Array(theta[0..<weights]),
                                   bias: Array(theta[weights...]), outChannels: conv.outChannels, kernel: k, stride: s, padding: p)
        XCTAssertEqual(y.shape, Shape(ref.dims.n, ref.dims.c, ref.dims.h, ref.dims.w), label, file: file, line: line)
        XCTAssertNil(mismatch(y.values, ref.y, tolerance: 1e-5), label, file: file, line: line)

        let dy = randomTensor(y.shape, seed: dySeed)
        params.zeroGradients()
        let dx = conv.backward(dy)[0]
        let back = Reference.conv2dBackward(x.values.map(Double.init), .init(x.shape), weight: Array(theta[0..<weights]),
                                            dy: dy.values.map(Double.init), outChannels: conv.outChannels, kernel: k, stride: s, padding: p)
        XCTAssertNil(mismatch(dx.values, back.dx, tolerance: 1e-5), "dx " + label, file: file, line: line)
        let grads = (0..<params.count).map { params.gradients.pointer[$0] }
        XCTAssertNil(mismatch(Array(grads[0..<weights]), back.dw, tolerance: 1e-5), "dw " + label, file: file, line: line)
        XCTAssertNil(mismatch(Array(grads[weights...]), back.db, tolerance: 1e-5), "db " + label, file: file, line: line)
    }

    func testParameterGradientsAccumulateAcrossCalls() {
        let params = Parameters()
        let conv = Conv2d("c", 2, 3, kernel: 3, padding: 1, parameters: params, workspace: Workspace())
        params.allocate()
        randomize(params, seed: 1)
        let x = randomTensor(Shape(1, 2, 5, 5), seed: 2)
        let dy = randomTensor(Shape(1, 3, 5, 5), seed: 3)
        params.zeroGradients()
        _ = conv.forward([x])
        _ = conv.backward(dy)
        let once = (0..<params.count).map { params.gradients.pointer[$0] }
        _ = conv.backward(dy)
        for i in 0..<params.count { XCTAssertEqual(params.gradients.pointer[i], 2 * once[i], accuracy: 1e-5 * max(1, abs(once[i]))) }
    }
}
