import Foundation
import Media
import NeuralNet
import Tensor

/// A NICe network as a renderer of refined crops: RGB planes in [0, 1] and σ² = e^s, bounded as
/// the weights were trained.
struct CropRenderer {
    let network: Network
    /// The network predicts a correction added to the target crop (`RefineOptions.residual`).
    let residual: Bool
    /// The log-variance bound the weights trained under (narrower while σ's range opens).
    let logVarianceLimit: Float

    /// NICe's UNet for these options: target crop in, RGB and log-variance out.
    static func network(_ options: RefineOptions) -> Network {
        UNet.build(UNetConfig(inChannels: 3, outChannels: 3, levels: options.levels, baseChannels: options.width, logVariance: true,
                               logVarianceFeedback: options.sigmaFeedback),
                   seed: options.seed)
    }

    /// The checkpoints' architecture tag (a checkpoint of another shape is refused on loading).
    static func architecture(_ options: RefineOptions) -> String {
        "nice-unet levels=\(options.levels) width=\(options.width) sigma-feedback=\(options.sigmaFeedback) size=\(options.side)"
    }

    /// A fit's best weights from its checkpoint.
    static func load(_ path: String, options: RefineOptions, logVarianceLimit: Float) throws -> CropRenderer {
        let network = network(options)
        try Checkpoint.load(path, into: network.parameters, optimizer: nil, architecture: architecture(options))
        return CropRenderer(network: network, residual: options.residual, logVarianceLimit: logVarianceLimit)
    }

    /// The network's output with the input added to its RGB channels in residual mode (the
    /// gradient passes unchanged to the network's output, so backward needs no change).
    func output(_ x: Tensor) -> Tensor {
        let y = network.forward(x)
        guard residual else { return y }
        let plane = x.shape.plane
        let sum = Tensor(y.shape, values: y.values)
        for i in 0..<(3 * plane) { sum.pointer[i] += x.pointer[i] }
        return sum
    }

    /// The refined crop of one target crop: RGB planes and σ² = e^s, the error scale the loss
    /// divides by (where the fit expects to miss the proxy by that much).
    func render(_ input: Image8) -> (rgb: [Float], sigma: [Float]) {
        let y = output(tensor(input))
        let plane = input.width * input.height
        let values = y.values
        return (Array(values[0..<(3 * plane)]),
                values[(3 * plane)..<(4 * plane)].map { exp(NICeLoss.boundedLogVariance($0, bound: logVarianceLimit)) })
    }
}

/// Every frame's refined crop for the write pass, rendered there from the best weights of each
/// fitted segment covering the frame and blended by the segments' fusion weights (linear across
/// an overlap). Nothing rendered waits on disk; memory holds the networks of the segments that
/// cover the current frame (two in an overlap). Frames must come in order.
final class SegmentRenderer {
    struct Fitted {
        let frames: Range<Int>
        /// The segment's best checkpoint.
        let weights: String
        let logVarianceLimit: Float
    }

    private let fitted: [Fitted]
    private let options: RefineOptions
    private var loaded: [Int: CropRenderer] = [:]
    /// Seconds spent rendering (the report's `render`).
    private(set) var seconds = 0.0

    init(_ fitted: [Fitted], options: RefineOptions) {
        self.fitted = fitted
        self.options = options
    }

    /// Frame `t`'s render from its target crop: Σ_k w_k · render_k / Σ_k w_k over the segments k covering t.
    func render(_ t: Int, target: Image8) throws -> (rgb: [Float], sigma: [Float]) {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        loaded = loaded.filter { fitted[$0.key].frames.upperBound > t }  // segments behind t are done with
        var blend = WeightedRender(plane: target.width * target.height)
        for k in fitted.indices where fitted[k].frames.contains(t) {
            let renderer = try loaded[k] ?? CropRenderer.load(fitted[k].weights, options: options, logVarianceLimit: fitted[k].logVarianceLimit)
            loaded[k] = renderer
            let (rgb, sigma) = renderer.render(target)
            blend.add(rgb: rgb, sigma: sigma, weight: Segmentation.fusionWeight(t, segment: fitted[k].frames, segments: fitted.map(\.frames)))
        }
        guard let mean = blend.mean else { throw PipelineError("frame \(t) is in no fitted segment") }
        return mean
    }
}

/// The weighted mean of one frame's renders by several segments: Σ_k w_k · render_k / Σ_k w_k.
public struct WeightedRender {
    private let plane: Int
    private var sum: [Float]
    private var total: Float = 0

    public init(plane: Int) {
        self.plane = plane
        sum = [Float](repeating: 0, count: 4 * plane)
    }

    /// Adds `weight` × one segment's render (RGB planes and σ², `plane` values each).
    public mutating func add(rgb: [Float], sigma: [Float], weight: Float) {
        precondition(rgb.count == 3 * plane && sigma.count == plane, "a render of another size")
        for (i, v) in (rgb + sigma).enumerated() { sum[i] += weight * v }
        total += weight
    }

    /// The mean; nil while no render with a positive weight was added.
    public var mean: (rgb: [Float], sigma: [Float])? {
        guard total > 0 else { return nil }
        let values = sum.map { $0 / total }
        return (Array(values[0..<(3 * plane)]), Array(values[(3 * plane)...]))
    }
}
