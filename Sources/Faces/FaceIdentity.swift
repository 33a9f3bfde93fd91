import Foundation
public import NeuralNet
public import Tensor

/// dlib's face recognition ResNet (`dlib_face_recognition_resnet_model_v1.dat`): a 150×150
/// aligned chip → a 128-d descriptor; two faces are the same person when the descriptors are
/// closer than 0.6. Its stages also serve as perceptual features for the refine loss, so the
/// network runs backward to its input (parameters frozen).
///
/// Layers (examples/dnn_face_recognition_ex.cpp): conv 7×7/2 → ReLU → max-pool 3×3/2 ("stem"),
/// then residual levels of 32, 64, 128 and 256 channels (3, 4, 3 and 3 blocks; each level after the
/// first starts with a stride-2 block whose shortcut is a 2×2 average pool, zero-padded in channels
/// and size), a final stride-2 256 block, global average pool, and a 128×256 linear map.
public final class FaceIdentity: PerceptualFeatures {
    public static let chipSize = 150
    /// Same person below this descriptor distance (dlib's loss_metric threshold).
    public private(set) var samePersonDistance: Float = 0.6
    let network: Network
    let means: (Float, Float, Float)
    /// Slot names of the feature stages, input side first.
    public let stages: [String]

    public init(path: String) throws {
        var reader = try DlibReader(path: path)
        var threshold: Float = 0.6
        let file = try reader.network { r, loss in
            guard loss == "loss_metric_" || loss == "loss_metric_2" else {
                throw r.fail("the metric loss layer (loss_metric_), found \(loss): not a face recognition network")
            }
            if loss == "loss_metric_2" { _ = try r.float("the margin"); threshold = try r.float("the distance threshold") }
        }
        guard reader.isAtEnd else { throw reader.fail("the end of the file") }
        var builder = ResidualBuilder(layers: file.layers, path: path)
        (network, stages) = try builder.build()
        means = file.inputMeans
        samePersonDistance = threshold
    }

    /// A chip (or any RGB image) as the network's input: (value − channel mean) / 256, [1, 3, H, W].
    public func input(_ image: Image8) -> Tensor {
        let x = Tensor(Shape(1, 3, image.height, image.width))
        let mean = [means.0, means.1, means.2]
        for c in 0..<3 {
            let plane = x.pointer + c * x.shape.plane, source = min(c, image.channels - 1)
            for i in 0..<x.shape.plane { plane[i] = (Float(image.pixels[i * image.channels + source]) - mean[c]) / 256 }
        }
        return x
    }

    /// Maps RGB values in [0, 1] (what nicer's networks produce) to the network's input scale,
    /// in place: v ↦ (255·v − mean) / 256. Its derivative is 255/256 for every element.
    public func normalise(unitRGB x: Tensor) {
        precondition(x.shape.c == 3, "RGB input expected, got \(x.shape)")
        let mean = [means.0, means.1, means.2]
        for n in 0..<x.shape.n {
            for c in 0..<3 {
                let plane = x.sample(n).pointer + c * x.shape.plane
                for i in 0..<x.shape.plane { plane[i] = (255 * plane[i] - mean[c]) / 256 }
            }
        }
    }

    /// The 128-d descriptor of a 150×150 aligned chip (see `FaceChip`).
    public func descriptor(_ chip: Image8) -> [Float] {
        precondition(chip.width == Self.chipSize && chip.height == Self.chipSize, "the identity network takes 150×150 chips")
        return forward(input(chip)).values
    }

    /// Runs the network on a normalised [N, 3, H, W] input; returns the descriptors [N, 128, 1, 1].
    /// Inputs other than 150×150 are fine for `features` (the stages are convolutional).
    @discardableResult
    public func forward(_ x: Tensor) -> Tensor { network.forward(x) }

    /// The stages an input of this size reaches with at least 1×1 activations everywhere up to
    /// them (small crops stop before the deepest stages).
    public func usableStages(height: Int, width: Int) -> [String] {
        var shapes: [Shape?] = Array(repeating: nil, count: network.slotNames.count)
        shapes[0] = Shape(1, 3, height, width)
        for step in network.steps {
            let inputs = step.inputs.compactMap { shapes[$0] }
            guard inputs.count == step.inputs.count else { continue }
            let x = inputs[0]
            var y: Shape?
            switch step.layer {
            case let conv as Conv2d:
                if x.h + 2 * conv.padding >= conv.kernel, x.w + 2 * conv.padding >= conv.kernel { y = conv.outputShape(x) }
            case let pool as MaxPool:
                if x.h >= pool.kernel, x.w >= pool.kernel { y = Shape(1, x.c, (x.h - pool.kernel) / pool.stride + 1, (x.w - pool.kernel) / pool.stride + 1) }
            case let pool as AveragePool:
                if x.h >= pool.size, x.w >= pool.size { y = Shape(1, x.c, x.h / pool.size, x.w / pool.size) }
            case is PaddedAdd:
                y = Shape(1, max(x.c, inputs[1].c), max(x.h, inputs[1].h), max(x.w, inputs[1].w))
            case is GlobalAveragePool:
                y = Shape(1, x.c, 1, 1)
            default:
                y = x
            }
            shapes[step.output] = y
        }
        return stages.filter { name in network.slotNames.firstIndex(of: name).flatMap { shapes[$0] } != nil }
    }

    /// Runs the network only as far as `stage` (cheaper when the deeper stages are not needed).
    public func forward(_ x: Tensor, through stage: String) { _ = network.forward(x, through: stage) }

    /// A stage's activations after the last forward.
    public func features(_ stage: String) -> Tensor? { network.slot(stage) }

    /// Backpropagates gradients given at any stages (and/or "descriptor") to the input; returns
    /// d loss / d input. Parameters stay frozen.
    public func inputGradient(_ seeds: [String: Tensor]) -> Tensor { network.backward(seeds: seeds)! }

    // MARK: PerceptualFeatures (unit RGB in, unit RGB gradient out)

    public func forward(unitRGB x: Tensor, through stage: String) {
        let input = Tensor(x.shape, values: x.values)
        normalise(unitRGB: input)
        forward(input, through: stage)
    }

    /// d/d(unit RGB) = d/d(normalised) · 255/256.
    public func unitInputGradient(_ seeds: [String: Tensor]) -> Tensor {
        let g = inputGradient(seeds)
        return Tensor(g.shape, values: g.values.map { $0 * (255 / 256) })
    }

    /// Euclidean distance and cosine similarity of two descriptors.
    public static func distance(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }

    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        let norms = (a.reduce(0) { $0 + $1 * $1 } * b.reduce(0) { $0 + $1 * $1 }).squareRoot()
        return norms > 0 ? dot / norms : 0
    }
}

/// Walks dlib's layer list (input first) for the ResNet and wires the NeuralNet graph. The file
/// does not name tag/skip layers, so the residual patterns are matched here:
/// identity block  = marker, conv, affine, relu, conv, affine, add_prev, relu
/// downsampling    = marker, conv/2, affine, relu, conv, affine, marker, marker, avg_pool 2/2, add_prev, relu
struct ResidualBuilder {
    let layers: [DlibLayer]
    let path: String
    var index = 0
    let network: Network = {
        let network = Network()
        network.passesGradientToInput = true
        return network
    }()
    var convolutions: [(Conv2d, [Float], [Float])] = []
    var slot = "input"

    init(layers: [DlibLayer], path: String) {
        self.layers = layers
        self.path = path
    }

    func fail(_ expected: String) -> FaceAssetError {
        FaceAssetError(path: path, reason: "layer \(index): expected \(expected), found \(index < layers.count ? "\(layers[index])".prefix(60) : "the end")")
    }

    mutating func build() throws -> (Network, [String]) {
        try convolution(name: "stem.conv")
        try relu("stem.relu")
        guard index < layers.count, case let .maxPool(k, s, p) = layers[index], p == 0 else { throw fail("the stem max pool") }
        index += 1
        add(MaxPool("stem", kernel: k, stride: s), [slot])
        var stages = ["stem"], channels = 0, block = 0
        while index < layers.count, case .marker = layers[index] {
            let shortcut = slot
            index += 1
            try convolution(name: "block\(block).conv1")
            try relu("block\(block).relu1")
            let width = try convolution(name: "block\(block).conv2")
            let body = slot
            if width != channels, channels != 0 { stages.append(shortcut) }
            channels = width
            if index < layers.count, case .addPrevious = layers[index] {
                index += 1
                add(Add("block\(block).add"), [shortcut, body])
            } else {
                for _ in 0..<2 {
                    guard index < layers.count, case .marker = layers[index] else { throw fail("the tag and skip of a downsampling block") }
                    index += 1
                }
                guard index < layers.count, case .averagePool(2, 2, 0) = layers[index] else { throw fail("a 2×2 average pool shortcut") }
                index += 1
                add(AveragePool("block\(block).shortcut", size: 2), [shortcut])
                let pooled = slot
                guard index < layers.count, case .addPrevious = layers[index] else { throw fail("add_prev") }
                index += 1
                add(PaddedAdd("block\(block).add"), [body, pooled])
            }
            try relu("block\(block)")
            block += 1
        }
        stages.append(slot)
        guard block > 0, index < layers.count, case .averagePool(0, _, _) = layers[index] else { throw fail("residual blocks, then a global average pool") }
        index += 1
        add(GlobalAveragePool("pool"), [slot])
        guard index < layers.count, case let .fullyConnected(inputs, outputs, weights) = layers[index], inputs == channels else {
            throw fail("the descriptor's fully connected layer")
        }
        index += 1
        guard index == layers.count else { throw fail("the end of the network") }
        // dlib stores W as [inputs, outputs]; a 1×1 convolution wants [outputs, inputs].
        let transposed = (0..<(outputs * inputs)).map { i in weights[(i % inputs) * outputs + i / inputs] }
        let linear = Conv2d("descriptor", inputs, outputs, kernel: 1, parameters: network.parameters, workspace: network.workspace)
        convolutions.append((linear, transposed, [Float](repeating: 0, count: outputs)))
        add(linear, [slot])
        network.parameters.allocate()
        for (conv, w, b) in convolutions {
            conv.computesParameterGradients = false
            FoldedNetwork.load(conv.name, weights: w, bias: b, into: network.parameters)
        }
        return (network, stages)
    }

    mutating func add(_ layer: Layer, _ inputs: [String]) {
        network.add(layer, inputs: inputs, output: layer.name)
        slot = layer.name
    }

    /// A convolution and the affine layer after it, folded; returns its output channels.
    @discardableResult
    mutating func convolution(name: String) throws -> Int {
        guard index < layers.count, case let .conv(filters, channels, kernel, stride, padding, weights, bias) = layers[index] else {
            throw fail("a convolution")
        }
        index += 1
        var (w, b) = (weights, bias)
        if index < layers.count, case let .affine(scale, shift) = layers[index] {
            (w, b) = FoldedNetwork.fold(weights: weights, bias: bias, scale: scale, shift: shift)
            index += 1
        }
        let conv = Conv2d(name, channels, filters, kernel: kernel, stride: stride, padding: padding,
                          parameters: network.parameters, workspace: network.workspace)
        convolutions.append((conv, w, b))
        add(conv, [slot])
        return filters
    }

    mutating func relu(_ name: String) throws {
        guard index < layers.count, case .relu = layers[index] else { throw fail("a ReLU") }
        index += 1
        add(LeakyReLU(name, slope: 0), [slot])
    }
}
