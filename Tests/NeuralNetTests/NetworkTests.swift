import NeuralNet
import Tensor
import TestSupport
import XCTest

/// The step executor: gradients summed where a slot feeds several steps, and the in-place
/// shortcuts (LeakyReLU over its incoming gradient, Concat views) never clobbering a gradient
/// that is still needed, checked by finite differences of the whole network's loss.
final class NetworkTests: XCTestCase {
    /// x → b = conv(x), a = lrelu(conv(x)); s = lrelu(a + b); out = conv(lrelu(concat[s, x])).
    /// Add hands one gradient to `a` and `b`; a's LeakyReLU runs backward before b's conv reads
    /// it, so overwriting that shared gradient in place would corrupt b's gradients.
    func makeNetwork() -> Network {
        let net = Network()
        let p = net.parameters, ws = net.workspace
        net.add(Conv2d("b", 2, 3, kernel: 1, parameters: p, workspace: ws), inputs: ["input"], output: "b")
        net.add(Conv2d("a", 2, 3, kernel: 3, padding: 1, parameters: p, workspace: ws), inputs: ["input"], output: "a")
        net.add(LeakyReLU("a.r"), inputs: ["a"], output: "a.r")
        net.add(Add("sum"), inputs: ["a.r", "b"], output: "sum")
        net.add(LeakyReLU("sum.r"), inputs: ["sum"], output: "sum.r")
        net.add(Concat("cat"), inputs: ["sum.r", "input"], output: "cat")
        net.add(LeakyReLU("cat.r"), inputs: ["cat"], output: "cat.r")
        net.add(Conv2d("out", 5, 2, kernel: 3, padding: 1, parameters: p, workspace: ws), inputs: ["cat.r"], output: "out")
        p.allocate()
        randomize(p, seed: 11)
        return net
    }

    func testWholeNetworkGradientMatchesFiniteDifferences() {
        let net = makeNetwork()
        let x = randomTensor(Shape(1, 2, 5, 4), seed: 1), target = randomTensor(Shape(1, 2, 5, 4), seed: 2)
        func loss() -> Double {
            let out = net.forward(x)
            return Double(Loss.pixel(.l2, prediction: out, target: target, gradient: Tensor(out.shape)))
        }
        let out = net.forward(x)
        let dOut = Tensor(out.shape)
        Loss.pixel(.l2, prediction: out, target: target, gradient: dOut)
        let dOutBefore = dOut.values
        net.parameters.zeroGradients()
        net.backward(dOut)
        XCTAssertEqual(dOut.values, dOutBefore, "the caller's output gradient was overwritten")
        let analytic = (0..<net.parameters.count).map { net.parameters.gradients.pointer[$0] }
        let values = net.parameters.values.pointer
        let numeric = (0..<net.parameters.count).map { i -> Double in
            let saved = values[i], h: Float = 1e-3
            values[i] = saved + h
            let up = loss()
            values[i] = saved - h
            let down = loss()
            values[i] = saved
            return (up - down) / Double(2 * h)
        }
        XCTAssertNil(mismatch(analytic, numeric, tolerance: 2e-2))
    }

    func testSecondBackwardGivesTheSameGradients() {
        let net = makeNetwork()
        let x = randomTensor(Shape(1, 2, 5, 4), seed: 3)
        let dOut = randomTensor(Shape(1, 2, 5, 4), seed: 4)
        _ = net.forward(x)
        net.parameters.zeroGradients()
        net.backward(dOut)
        let first = (0..<net.parameters.count).map { net.parameters.gradients.pointer[$0] }
        _ = net.forward(x)
        net.parameters.zeroGradients()
        net.backward(dOut)
        XCTAssertEqual((0..<net.parameters.count).map { net.parameters.gradients.pointer[$0] }, first,
                       "reused buffers changed the result")
    }
}

final class LogVarianceFeedbackTests: XCTestCase {
    /// σ's own head hands the shared features its gradient scaled by the feedback k: a loss on the
    /// log-variance channel alone gives the trunk k times the gradient the one-conv network gives
    /// it (0: none), one on RGB the same; the forward pass computes the same function.
    func testSigmaPullsOnTheFeaturesByTheFeedbackOnly() {
        let config = UNetConfig(levels: 3, baseChannels: 4, logVariance: true)
        for k: Float in [0, 0.1] {
            var split = config
            split.logVarianceFeedback = k
            let attached = UNet.build(config, seed: 5), detached = UNet.build(split, seed: 5)
            // Copy the one-conv weights across: out's RGB rows to out, its log-variance row to sigma.
            let p = attached.parameters, q = detached.parameters
            for entry in q.entries where !entry.name.hasPrefix("out.") && !entry.name.hasPrefix("sigma.") {
                q.value(entry).update(from: p.value(p.entry(entry.name)!))
            }
            let outWeight = p.value(p.entry("out.weight")!), outBias = p.value(p.entry("out.bias")!)
            let rows = outWeight.count / 4
            q.value(q.entry("out.weight")!).update(from: UnsafeMutableBufferPointer(rebasing: outWeight[0..<(3 * rows)]))
            q.value(q.entry("sigma.weight")!).update(from: UnsafeMutableBufferPointer(rebasing: outWeight[(3 * rows)...]))
            q.value(q.entry("out.bias")!).update(from: UnsafeMutableBufferPointer(rebasing: outBias[0..<3]))
            q.value(q.entry("sigma.bias")!).update(from: UnsafeMutableBufferPointer(rebasing: outBias[3...]))

            let x = randomTensor(Shape(1, 3, 8, 8), seed: 1)
            let a = attached.forward(x).values, d = detached.forward(x).values
            XCTAssertEqual(a.count, d.count)
            for i in a.indices { XCTAssertEqual(a[i], d[i], accuracy: 1e-5) }

            let plane = 64
            for (seedName, seed) in [("sigma", (0..<(4 * plane)).map { Float($0 >= 3 * plane ? 1 : 0) }),
                                     ("rgb", (0..<(4 * plane)).map { $0 < 3 * plane ? Float($0 % 5) - 2 : 0 })] {
                let dOut = Tensor(Shape(1, 4, 8, 8), values: seed)
                _ = attached.forward(x); _ = detached.forward(x)
                p.zeroGradients(); q.zeroGradients()
                attached.backward(dOut)
                detached.backward(dOut)
                let factor: Float = seedName == "sigma" ? k : 1
                for entry in q.entries where !entry.name.hasPrefix("out.") && !entry.name.hasPrefix("sigma.") {
                    let g = q.gradient(entry), h = p.gradient(p.entry(entry.name)!)
                    for i in 0..<g.count { XCTAssertEqual(g[i], factor * h[i], accuracy: 1e-4 * (abs(h[i]) + 1), "\(entry.name) k \(k) \(seedName)") }
                }
                if seedName == "sigma" { XCTAssertGreaterThan(q.gradient(q.entry("sigma.weight")!).reduce(0) { $0 + abs($1) }, 0) }
            }
        }
    }
}

final class BufferReuseTests: XCTestCase {
    /// After the first step, forward + loss + backward + Adam allocate no tensor storage.
    func testTrainingStepsAfterTheFirstAllocateNoTensorStorage() {
        let net = UNet.build(UNetConfig(levels: 3, baseChannels: 4, logVariance: true))
        let adam = Adam(parameters: net.parameters)
        let x = randomTensor(Shape(1, 3, 16, 16), seed: 1), y = randomTensor(Shape(1, 3, 16, 16), seed: 2)
        let dOutput = Tensor(Shape(1, 4, 16, 16))
        func step() {
            let out = net.forward(x)
            Loss.uncertaintyL1(prediction: out, target: y, gradient: dOutput)
            net.parameters.zeroGradients()
            net.backward(dOutput)
            adam.update()
        }
        step()
        let before = TensorStorage.allocations
        for _ in 0..<3 { step() }
        XCTAssertEqual(TensorStorage.allocations, before)
    }
}
