import Foundation
import Tensor

/// Times UNet training steps (forward, uncertainty-L1 loss, backward, Adam; batch 1), counts the
/// convolution FLOPs, and measures cblas_sgemm alone on exactly the step's GEMM shapes, so the
/// report can say how close the convolutions run to the GEMM peak and where the rest goes.
public struct TrainingBenchmark {
    public struct Report: Codable, Sendable {
        public var size: Int
        public var threads: Int
        public var config: UNetConfig
        public var parameters: Int
        public var stepMilliseconds: [Double]
        public var medianStepMilliseconds: Double
        /// Multiply-adds ×2 of every conv/tconv GEMM in one step (forward, dW, dX).
        public var convGFLOP: Double
        public var stepGFLOPPerSecond: Double
        /// sgemm alone on the step's GEMM shapes: GFLOP / seconds.
        public var sgemmGFLOPPerSecond: Double
        /// Conv layers' own GFLOP/s (from their measured time) ÷ the sgemm rate.
        public var convEfficiency: Double
        /// Seconds per step by layer kind and phase, and by layer name with `byLayer` (median step's
        /// run is not singled out: mean over timed steps).
        public var breakdown: [String: Double]
        /// Bytes: parameters + Adam moments + gradients, and activations kept for backward.
        public var modelStateBytes: Int
        public var activationBytes: Int
        /// Growth of the process's peak resident memory over the run, bytes.
        public var peakResidentGrowthBytes: Int
    }

    public var size: Int
    public var steps: Int
    public var warmup: Int = 2
    public var byLayer = false
    public var config: UNetConfig

    public init(size: Int, steps: Int, config: UNetConfig) {
        self.size = size
        self.steps = steps
        self.config = config
    }

    public func run(checkpoint: String? = nil) throws -> Report {
        let residentBefore = peakResidentBytes()
        let net = UNet.build(config)
        let adam = Adam(parameters: net.parameters)
        var rng = UInt64(42)
        func random() -> Float {
            rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(rng >> 40) / Float(1 << 24)
        }
        let x = Tensor(Shape(1, config.inChannels, size, size), values: (0..<(config.inChannels * size * size)).map { _ in random() })
        let y = Tensor(Shape(1, config.outChannels, size, size), values: (0..<(config.outChannels * size * size)).map { _ in random() })
        var dOutput: Tensor?
        func step() {
            let out = net.forward(x)
            if dOutput == nil { dOutput = Tensor(out.shape) }
            if config.logVariance {
                Loss.uncertaintyL1(prediction: out, target: y, gradient: dOutput!)
            } else {
                Loss.pixel(.l1, prediction: out, target: y, gradient: dOutput!)
            }
            net.parameters.zeroGradients()
            net.backward(dOutput!)
            adam.update()
        }
        for _ in 0..<warmup { step() }
        net.profile = [:]
        net.profilesEachLayer = byLayer
        var times: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        let breakdown = (net.profile ?? [:]).mapValues { $0 / Double(steps) }
        net.profile = nil
        let residentGrowth = peakResidentBytes() - residentBefore
        if let checkpoint { try Checkpoint.save(net.parameters, optimizer: adam, architecture: describe(config), to: checkpoint) }

        let gemms = gemmShapes(net)
        let flops = gemms.reduce(0.0) { $0 + 2 * Double($1.m) * Double($1.n) * Double($1.k) }
        let gemmSeconds = timeGemms(gemms)
        let convSeconds = breakdown.filter { $0.key.hasPrefix("Conv2d") || $0.key.hasPrefix("TransposedConv2") }.values.reduce(0, +)
        let median = times.sorted()[times.count / 2]
        let sgemmRate = flops / gemmSeconds / 1e9
        return Report(
            size: size, threads: Gemm.threads, config: config, parameters: net.parameters.count,
            stepMilliseconds: times, medianStepMilliseconds: median,
            convGFLOP: flops / 1e9, stepGFLOPPerSecond: flops / (median / 1e3) / 1e9,
            sgemmGFLOPPerSecond: sgemmRate,
            convEfficiency: convSeconds > 0 ? (flops / convSeconds / 1e9) / sgemmRate : 0,
            breakdown: breakdown,
            modelStateBytes: 4 * 4 * net.parameters.count,
            activationBytes: 4 * net.activationFloats,
            peakResidentGrowthBytes: residentGrowth)
    }

    /// (M, N, K) of every GEMM one training step runs, in PyTorch-style conv terms.
    func gemmShapes(_ net: Network) -> [(m: Int, n: Int, k: Int)] {
        var shapes: [(m: Int, n: Int, k: Int)] = []
        var side = size
        for step in net.steps {
            if step.layer is MaxPool2 { side /= 2 }
            if step.layer is BilinearUpsample2 || step.layer is TransposedConv2 { side *= 2 }
            if let conv = step.layer as? Conv2d {
                let spatial = side * side, k = conv.inChannels * conv.kernel * conv.kernel
                shapes.append((conv.outChannels, spatial, k))            // forward
                shapes.append((conv.outChannels, k, spatial))            // dW
                if conv.computesInputGradient { shapes.append((k, spatial, conv.outChannels)) }  // dX
            } else if let t = step.layer as? TransposedConv2 {
                let spatial = (side / 2) * (side / 2)
                shapes.append((t.outChannels * 4, spatial, t.inChannels))
                shapes.append((t.inChannels, t.outChannels * 4, spatial))
                shapes.append((t.inChannels, spatial, t.outChannels * 4))
            }
        }
        return shapes
    }

    /// Seconds for sgemm alone on these shapes (median of 3 passes).
    func timeGemms(_ shapes: [(m: Int, n: Int, k: Int)]) -> Double {
        let largest = shapes.map { max($0.m * $0.k, $0.k * $0.n, $0.m * $0.n) }.max() ?? 1
        let a = TensorStorage(count: largest), b = TensorStorage(count: largest), c = TensorStorage(count: largest)
        for i in 0..<largest { a.pointer[i] = Float(i % 7) * 0.1; b.pointer[i] = Float(i % 5) * 0.1 }
        var passes: [Double] = []
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            for s in shapes { Gemm.multiply(m: s.m, n: s.n, k: s.k, a: a.pointer, b: b.pointer, c: c.pointer) }
            passes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return passes.sorted()[1]
    }

    public func describe(_ c: UNetConfig) -> String {
        "unet levels=\(c.levels) base=\(c.baseChannels) in=\(c.inChannels) out=\(c.totalOutputChannels) up=\(c.upsampling.rawValue)"
    }
}

/// Peak resident set size of this process so far, in bytes (Linux reports kilobytes).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}
