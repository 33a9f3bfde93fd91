import NeuralNet
import Tensor

/// Turns a dlib layer list into a NeuralNet `Network`, folding each affine (batch norm) layer into
/// the convolution before it: W' = W·γ per output channel, b' = b·γ + β. Inference and input
/// gradients are unchanged by the fold; it saves a pass over every activation.
enum FoldedNetwork {
    struct Built {
        let network: Network
        /// Output pixel p is centred on input pixel scale·p + offset (dlib's map_output_to_input).
        let scale: Int
        let offset: Int
    }

    /// A chain of convolutions, affine layers and ReLUs (the MMOD detector).
    static func build(_ layers: [DlibLayer], path: String) throws -> Built {
        let network = Network()
        var pending: [(Conv2d, [Float], [Float])] = []
        var slot = "input", scale = 1, offset = 0
        var i = 0
        while i < layers.count {
            switch layers[i] {
            case let .conv(filters, channels, kernel, stride, padding, weights, bias):
                var (w, b) = (weights, bias)
                if i + 1 < layers.count, case let .affine(gamma, beta) = layers[i + 1] {
                    (w, b) = fold(weights: weights, bias: bias, scale: gamma, shift: beta)
                    i += 1
                }
                let conv = Conv2d("conv\(pending.count)", channels, filters, kernel: kernel, stride: stride, padding: padding,
                                  parameters: network.parameters, workspace: network.workspace)
                pending.append((conv, w, b))
                network.add(conv, inputs: [slot], output: conv.name)
                slot = conv.name
                // Composing p_in = stride·p_out − padding + ⌊k/2⌋ from the output down.
                offset += scale * (kernel / 2 - padding)
                scale *= stride
            case .relu:
                let relu = LeakyReLU("relu\(pending.count)", slope: 0)
                network.add(relu, inputs: [slot], output: relu.name)
                slot = relu.name
            default:
                throw FaceAssetError(path: path, reason: "layer \(i) (\(layers[i])) is not part of a convolution/batch-norm/ReLU chain")
            }
            i += 1
        }
        guard !pending.isEmpty else { throw FaceAssetError(path: path, reason: "the network has no convolutions") }
        network.parameters.allocate()
        for (conv, w, b) in pending { load(conv.name, weights: w, bias: b, into: network.parameters) }
        return Built(network: network, scale: scale, offset: offset)
    }

    static func fold(weights: [Float], bias: [Float], scale: [Float], shift: [Float]) -> ([Float], [Float]) {
        let filters = bias.count, perFilter = weights.count / filters
        var w = weights
        for f in 0..<filters { for k in 0..<perFilter { w[f * perFilter + k] *= scale[f] } }
        return (w, (0..<filters).map { bias[$0] * scale[$0] + shift[$0] })
    }

    static func load(_ name: String, weights: [Float], bias: [Float], into parameters: Parameters) {
        let w = parameters.value(parameters.entry(name + ".weight")!), b = parameters.value(parameters.entry(name + ".bias")!)
        precondition(w.count == weights.count && b.count == bias.count, "\(name): parameter sizes")
        _ = w.update(from: weights)
        _ = b.update(from: bias)
    }
}
