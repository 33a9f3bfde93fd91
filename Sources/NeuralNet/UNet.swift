import Tensor

/// Deep Video Prior's UNet ("VCN"), built as a flat list of named layers:
///
///     enc0:  conv 1×1 (in → b), lrelu, conv 3×3, lrelu
///     enc i: maxpool 2, conv 3×3 (b·2^(i−1) → b·2^i), lrelu, conv 3×3, lrelu      i = 1 … levels−1
///     dec i: up ×2 of the level below — bilinear + conv 3×3 (no activation), or a 2×2 transposed
///            conv — concat [up, enc i], conv 3×3 (2c → c), lrelu, conv 3×3, lrelu   i = levels−2 … 0
///     out:   conv 3×3 (b → out [+ 1 log-variance channel])
///     or, with a damped log-variance: out conv 3×3 (b → out) and sigma conv 3×3 (b → 1) on the
///            same features, concatenated; sigma hands back its gradient scaled by
///            `logVarianceFeedback`, so σ can still shape the features (it must, to mark one
///            frame's outlier from the target alone) without throwing the RGB mapping off
///
/// LeakyReLU slope 0.2, zero padding, Xavier-uniform weights, zero biases. Input sides must be
/// multiples of 2^(levels−1).
public struct UNetConfig: Codable, Equatable, Sendable {
    public enum Upsampling: String, Codable, Sendable, CaseIterable {
        case bilinear
        case transposed
    }

    public var inChannels: Int
    public var outChannels: Int
    public var levels: Int
    public var baseChannels: Int
    /// Adds one output channel holding a per-pixel log-variance s = log σ².
    public var logVariance: Bool
    public var upsampling: Upsampling
    /// The log-variance channel's pull on the shared features (above), with `logVariance`: 1 = one
    /// conv for all channels, as DVP's; below 1 σ gets its own conv whose gradient is scaled so.
    public var logVarianceFeedback: Float

    public init(inChannels: Int = 3, outChannels: Int = 3, levels: Int = 5, baseChannels: Int = 32,
                logVariance: Bool = false, upsampling: Upsampling = .bilinear, logVarianceFeedback: Float = 1) {
        self.logVarianceFeedback = logVarianceFeedback
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.levels = levels
        self.baseChannels = baseChannels
        self.logVariance = logVariance
        self.upsampling = upsampling
    }

    public var totalOutputChannels: Int { outChannels + (logVariance ? 1 : 0) }
    /// Input height and width must be multiples of this.
    public var sizeMultiple: Int { 1 << (levels - 1) }
    public func channels(level: Int) -> Int { baseChannels << level }
}

public enum UNet {
    public static func build(_ config: UNetConfig, seed: UInt64 = 2020) -> Network {
        precondition(config.levels >= 1 && config.baseChannels >= 1, "bad UNet config")
        let net = Network()
        let p = net.parameters, ws = net.workspace
        func conv(_ name: String, _ cin: Int, _ cout: Int, _ k: Int) -> Conv2d {
            Conv2d(name, cin, cout, kernel: k, padding: k / 2, parameters: p, workspace: ws)
        }
        func convRelu(_ name: String, _ cin: Int, _ cout: Int, _ k: Int, from input: String) -> String {
            net.add(conv(name, cin, cout, k), inputs: [input], output: name)
            net.add(LeakyReLU(name + ".lrelu"), inputs: [name], output: name + ".lrelu")
            return name + ".lrelu"
        }

        var x = "input"
        var skips: [String] = []
        for level in 0..<config.levels {
            let c = config.channels(level: level)
            if level == 0 {
                x = convRelu("enc0.conv1", config.inChannels, c, 1, from: x)
            } else {
                net.add(MaxPool2("enc\(level).pool"), inputs: [x], output: "enc\(level).pool")
                x = convRelu("enc\(level).conv1", config.channels(level: level - 1), c, 3, from: "enc\(level).pool")
            }
            x = convRelu("enc\(level).conv2", c, c, 3, from: x)
            skips.append(x)
        }
        for level in stride(from: config.levels - 2, through: 0, by: -1) {
            let c = config.channels(level: level), below = config.channels(level: level + 1)
            let up = "dec\(level).up"
            switch config.upsampling {
            case .bilinear:
                net.add(BilinearUpsample2("dec\(level).resize"), inputs: [x], output: "dec\(level).resize")
                net.add(conv(up, below, c, 3), inputs: ["dec\(level).resize"], output: up)
            case .transposed:
                net.add(TransposedConv2(up, below, c, parameters: p, workspace: ws), inputs: [x], output: up)
            }
            net.add(Concat("dec\(level).concat"), inputs: [up, skips[level]], output: "dec\(level).concat")
            x = convRelu("dec\(level).conv1", 2 * c, c, 3, from: "dec\(level).concat")
            x = convRelu("dec\(level).conv2", c, c, 3, from: x)
        }
        if config.logVariance && config.logVarianceFeedback < 1 {
            net.add(conv("out", config.baseChannels, config.outChannels, 3), inputs: [x], output: "out.rgb")
            net.add(GradientScale("sigma.feedback", scale: config.logVarianceFeedback), inputs: [x], output: "sigma.input")
            net.add(conv("sigma", config.baseChannels, 1, 3), inputs: ["sigma.input"], output: "out.sigma")
            net.add(Concat("out"), inputs: ["out.rgb", "out.sigma"], output: "out")
        } else {
            net.add(conv("out", config.baseChannels, config.totalOutputChannels, 3), inputs: [x], output: "out")
        }
        p.allocate()
        XavierInit.fill(p, seed: seed)
        return net
    }
}

/// Glorot/Xavier uniform weights, U(−a, a) with a = √(6 / (fan_in + fan_out)); biases zero.
enum XavierInit {
    static func fill(_ parameters: Parameters, seed: UInt64) {
        var random = SplitMix64(state: seed &+ 0x9E37_79B9_7F4A_7C15)
        func uniform() -> Float { Float(random.next() >> 40) / Float(1 << 24) * 2 - 1 }
        for entry in parameters.entries {
            let values = parameters.value(entry)
            guard entry.shape.count == 4 else {
                values.update(repeating: 0)
                continue
            }
            let receptive = entry.shape[2] * entry.shape[3]
            let bound = (6 / Float((entry.shape[0] + entry.shape[1]) * receptive)).squareRoot()
            for i in values.indices { values[i] = bound * uniform() }
        }
    }
}
