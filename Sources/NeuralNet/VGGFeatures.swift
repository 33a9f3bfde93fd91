import Foundation
public import Tensor

/// VGG19's convolutional features (torchvision's `vgg19().features`) up to conv5_2, frozen, as
/// perceptual features: the stages are the ReLU outputs after conv1_2, conv2_2, conv3_2, conv4_2
/// and conv5_2 (Deep Video Prior's layers). Weights are user-supplied: torchvision's file
/// converted by `tools/convert_vgg19.py` to safetensors with torchvision's names
/// (`features.N.weight` / `.bias`); channel counts are read from the shapes.
public final class VGGFeatures: PerceptualFeatures {
    /// torchvision's VGG19 layout up to conv5_2: channel counts, "M" = 2×2 max pool. The index of
    /// each conv in `features` follows from this list (each conv is followed by a ReLU).
    static let layout: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512]
    /// ImageNet normalisation torchvision's weights expect.
    static let mean: [Float] = [0.485, 0.456, 0.406]
    static let std: [Float] = [0.229, 0.224, 0.225]

    let network: Network
    public let stages = ["conv1_2", "conv2_2", "conv3_2", "conv4_2", "conv5_2"]

    public init(path: String) throws {
        let (tensors, _) = try Safetensors.read(path)
        network = Network()
        network.passesGradientToInput = true
        var slot = "input", channels = 3, index = 0, block = 1, within = 0
        var loaded: [(Conv2d, Safetensors.Tensor, Safetensors.Tensor)] = []
        for entry in Self.layout {
            guard entry != nil else {
                let pool = MaxPool("pool\(block)", kernel: 2, stride: 2)
                network.add(pool, inputs: [slot], output: pool.name)
                slot = pool.name
                index += 1
                block += 1
                within = 0
                continue
            }
            within += 1
            guard let w = tensors["features.\(index).weight"], let b = tensors["features.\(index).bias"] else {
                throw Safetensors.FormatError(path: path, reason: "no features.\(index).weight/bias (conv\(block)_\(within)); convert torchvision's vgg19 file with tools/convert_vgg19.py")
            }
            guard w.shape.count == 4, w.shape[1] == channels, w.shape[2] == 3, w.shape[3] == 3, b.shape == [w.shape[0]] else {
                throw Safetensors.FormatError(path: path, reason: "features.\(index).weight is \(w.shape), expected [out, \(channels), 3, 3]")
            }
            let name = "conv\(block)_\(within)"
            let conv = Conv2d(name + ".conv", channels, w.shape[0], kernel: 3, stride: 1, padding: 1,
                              parameters: network.parameters, workspace: network.workspace)
            conv.computesParameterGradients = false
            network.add(conv, inputs: [slot], output: conv.name)
            let relu = LeakyReLU(name, slope: 0)
            network.add(relu, inputs: [conv.name], output: name)
            slot = name
            channels = w.shape[0]
            loaded.append((conv, w, b))
            index += 2
        }
        network.parameters.allocate()
        for (conv, w, b) in loaded {
            _ = network.parameters.value(network.parameters.entry(conv.name + ".weight")!).update(fromContentsOf: w.values)
            _ = network.parameters.value(network.parameters.entry(conv.name + ".bias")!).update(fromContentsOf: b.values)
        }
    }

    /// Stage k sits after k max pools: an input needs at least 2^k pixels per side.
    public func usableStages(height: Int, width: Int) -> [String] {
        stages.enumerated().filter { (k, _) in min(height, width) >> k >= 1 }.map(\.element)
    }

    public func forward(unitRGB x: Tensor, through stage: String) {
        precondition(x.shape.c == 3, "RGB input expected, got \(x.shape)")
        let input = Tensor(x.shape, values: x.values)
        for n in 0..<x.shape.n {
            for c in 0..<3 {
                let plane = input.sample(n).pointer + c * x.shape.plane
                for i in 0..<x.shape.plane { plane[i] = (plane[i] - Self.mean[c]) / Self.std[c] }
            }
        }
        _ = network.forward(input, through: stage)
    }

    public func features(_ stage: String) -> Tensor? { network.slot(stage) }

    public func unitInputGradient(_ seeds: [String: Tensor]) -> Tensor {
        let g = network.backward(seeds: seeds)!
        let out = Tensor(g.shape, values: g.values)
        for n in 0..<g.shape.n {
            for c in 0..<3 {
                let plane = out.sample(n).pointer + c * g.shape.plane
                for i in 0..<g.shape.plane { plane[i] /= Self.std[c] }
            }
        }
        return out
    }
}
