import Foundation

/// One layer of a dlib deep network file, as far as inference needs it (dlib/dnn/layers.h).
/// Batch normalisation is folded into an affine map on load, exactly as dlib's `affine_(bn_)`
/// constructor does: γ' = γ / √(running variance + ε), β' = β − running mean · γ'.
enum DlibLayer {
    /// weights [filters, channels, kh, kw] (PyTorch's layout), bias [filters].
    case conv(filters: Int, channels: Int, kernel: Int, stride: Int, padding: Int, weights: [Float], bias: [Float])
    case affine(scale: [Float], shift: [Float])
    case relu
    /// kernel 0 means the whole input (avg_pool_everything).
    case maxPool(kernel: Int, stride: Int, padding: Int)
    case averagePool(kernel: Int, stride: Int, padding: Int)
    case addPrevious
    /// weights [inputs, outputs], as dlib stores them.
    case fullyConnected(inputs: Int, outputs: Int, weights: [Float])
    /// A tag or skip layer: it holds nothing, so the file does not say which (the caller's
    /// network definition does).
    case marker
}

/// The parts of a dlib network file: the loss layer's name, the input layer, then the layers
/// from the input upward.
struct DlibNetworkFile {
    var loss: String
    var input: String
    var inputMeans: (Float, Float, Float)
    var layers: [DlibLayer]
}

extension DlibReader {
    mutating func string(_ what: String, limit: Int = 256) throws -> String {
        let n = try count(what + " length", limit: limit)
        let raw = try bytes(n, what)
        guard let s = String(bytes: raw, encoding: .utf8) else { throw fail(what) }
        return s
    }

    mutating func bool(_ what: String) throws -> Bool {
        let b = try bytes(1, what).first!
        guard b == UInt8(ascii: "0") || b == UInt8(ascii: "1") else { throw fail(what + " ('0' or '1')") }
        return b == UInt8(ascii: "1")
    }

    /// A dlib tensor: version 2, then n, k, rows, columns, then raw little-endian Float32.
    mutating func tensor(_ what: String) throws -> (shape: [Int], values: [Float]) {
        let version = try integer(what + " version")
        guard version == 2 else { throw fail("\(what) (tensor version 2), found \(version)") }
        let shape = try (0..<4).map { _ in try count(what + " size", limit: 1 << 24) }
        let total = shape.reduce(1, *)
        guard total <= 1 << 26 else { throw fail("\(what) of at most 2^26 values, found \(shape)") }
        let raw = try bytes(4 * total, what + " values")
        let values = raw.withUnsafeBytes { buffer in
            (0..<total).map { Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
        return (shape, values)
    }

    /// An alias_tensor header (version 1, then n, k, rows, columns): a view's shape, no data.
    mutating func aliasTensor(_ what: String) throws -> [Int] {
        let version = try integer(what + " version")
        guard version == 1 else { throw fail("\(what) (alias tensor version 1), found \(version)") }
        return try (0..<4).map { _ in try count(what + " size", limit: 1 << 24) }
    }

    /// Reads a whole network: `add_loss_layer` (version, loss details), the `add_layer` versions
    /// (outermost first: dlib writes a layer's subnet before its own details), the input layer, then
    /// each layer's details with the training state dlib appends (3 flags and 3 tensors, ignored).
    /// `readLoss` reads the loss layer's details after its name.
    mutating func network(readLoss: (inout DlibReader, String) throws -> Void) throws -> DlibNetworkFile {
        let lossVersion = try integer("the add_loss_layer version")
        guard lossVersion == 1 else { throw fail("add_loss_layer version 1, found \(lossVersion)") }
        let loss = try string("the loss layer name")
        try readLoss(&self, loss)
        var versions: [Int64] = []
        // Versions are single small integers; the input layer starts with its name (a length then letters).
        while offset < byteCount, peek() == 0x01, offset + 1 < byteCount, (1...3).contains(peek(1)) {
            versions.append(try integer("a layer version"))
            guard versions.count <= 10_000 else { throw fail("at most 10000 layers") }
        }
        let input = try string("the input layer name")
        guard input.hasPrefix("input_rgb_image") else { throw fail("an RGB input layer, found \(input)") }
        let means = (try float("the red mean"), try float("the green mean"), try float("the blue mean"))
        switch input {
        case "input_rgb_image_pyramid": break
        case "input_rgb_image_pyramid2": _ = (try integer("the pyramid padding"), try integer("the outer padding"))
        case "input_rgb_image_sized": _ = (try integer("the input rows"), try integer("the input columns"))
        case "input_rgb_image": break
        default: throw fail("a known input layer, found \(input)")
        }
        var layers: [DlibLayer] = []
        for version in versions.reversed() {
            switch version {
            case 1:
                layers.append(.marker)  // add_tag_layer / add_skip_layer: nothing after the version
            case 2, 3:
                layers.append(try layer())
                for flag in ["setup", "stale gradient", "disabled output"] { _ = try bool("the \(flag) flag") }
                for state in ["x_grad", "cached_output", "params_grad"] { _ = try tensor("the layer's \(state)") }
                if version == 3 { _ = try integer("the sample expansion factor") }
            default:
                throw fail("a layer version 1…3, found \(version)")
            }
        }
        return DlibNetworkFile(loss: loss, input: input, inputMeans: means, layers: layers)
    }

    private mutating func layer() throws -> DlibLayer {
        let kind = try string("a layer name")
        switch kind {
        case "con_4", "con_5", "con_6":
            let params = try tensor("the conv parameters").values
            let filters = try count("the filter count", limit: 1 << 16)
            let rows = try count("the kernel rows", limit: 64), columns = try count("the kernel columns", limit: 64)
            let strideY = try count("the vertical stride", limit: 64), strideX = try count("the horizontal stride", limit: 64)
            let padY = try count("the vertical padding", limit: 64), padX = try count("the horizontal padding", limit: 64)
            let filterShape = try aliasTensor("the filter shape"), biasShape = try aliasTensor("the bias shape")
            for what in ["learning rate", "weight decay", "bias learning rate", "bias weight decay"] { _ = try double(what) }
            var useBias = true
            if kind != "con_4" { useBias = try bool("the use-bias flag") }
            if kind == "con_6" { _ = try bool("the fused-relu flag") }
            guard rows == columns, strideY == strideX, padY == padX, strideY >= 1 else {
                throw fail("a square convolution, found \(rows)×\(columns) stride \(strideY)/\(strideX)")
            }
            let weightCount = filterShape.reduce(1, *)
            guard filterShape[0] == filters, filterShape[2] == rows, filterShape[3] == columns,
                  biasShape[1] == filters, params.count == weightCount + (useBias ? filters : 0) || params.count == weightCount + filters else {
                throw fail("convolution parameters matching \(filters) filters of \(filterShape)")
            }
            let bias = params.count > weightCount ? Array(params[weightCount...]) : [Float](repeating: 0, count: filters)
            return .conv(filters: filters, channels: filterShape[1], kernel: rows, stride: strideY, padding: padY,
                         weights: Array(params[..<weightCount]), bias: useBias ? bias : [Float](repeating: 0, count: filters))
        case "bn_con2":
            let params = try tensor("the batch-norm parameters").values
            let n = try aliasTensor("the gamma shape").reduce(1, *)
            _ = try aliasTensor("the beta shape")
            _ = try tensor("the batch means"); _ = try tensor("the batch inverse deviations")
            let means = try tensor("the running means").values, variances = try tensor("the running variances").values
            _ = try integer("the update count"); _ = try integer("the running window")
            for what in ["learning rate", "weight decay", "bias learning rate", "bias weight decay"] { _ = try double(what) }
            let eps = Float(try double("epsilon"))
            guard params.count == 2 * n, means.count == n, variances.count == n else {
                throw fail("batch-norm statistics for \(n) channels")
            }
            let scale = (0..<n).map { params[$0] / (variances[$0] + eps).squareRoot() }
            return .affine(scale: scale, shift: (0..<n).map { params[n + $0] - scale[$0] * means[$0] })
        case "affine_", "affine_2":
            let params = try tensor("the affine parameters").values
            let gamma = try aliasTensor("the scale shape"), beta = try aliasTensor("the shift shape")
            let mode = try integer("the affine mode")
            var disabled = false
            if kind == "affine_2" { disabled = try bool("the disabled flag") }
            let n = gamma.reduce(1, *)
            guard !disabled, mode == 1 || mode == 0, beta.reduce(1, *) == n, params.count == 2 * n else {
                throw fail("an enabled affine layer with \(2 * n) parameters")
            }
            return .affine(scale: Array(params[..<n]), shift: Array(params[n...]))
        case "relu_":
            return .relu
        case "relu_2":
            guard try !bool("the disabled flag") else { throw fail("an enabled relu") }
            return .relu
        case "max_pool_2", "avg_pool_2":
            let rows = try count("the window rows", limit: 1 << 16), columns = try count("the window columns", limit: 1 << 16)
            let strideY = try count("the vertical stride", limit: 64), strideX = try count("the horizontal stride", limit: 64)
            let padY = try count("the vertical padding", limit: 64), padX = try count("the horizontal padding", limit: 64)
            guard rows == columns, strideY == strideX, padY == padX else { throw fail("a square pooling window") }
            return kind == "max_pool_2" ? .maxPool(kernel: rows, stride: strideY, padding: padY)
                : .averagePool(kernel: rows, stride: strideY, padding: padY)
        case "add_prev_":
            return .addPrevious
        case "fc_2", "fc_3":
            let outputs = try count("the output count", limit: 1 << 20), inputs = try count("the input count", limit: 1 << 24)
            let params = try tensor("the fully connected parameters").values
            _ = try aliasTensor("the weight shape"); _ = try aliasTensor("the bias shape")
            let biasMode = try integer("the bias mode")
            for what in ["learning rate", "weight decay", "bias learning rate", "bias weight decay"] { _ = try double(what) }
            if kind == "fc_3" { _ = try bool("the use-bias flag") }
            guard biasMode == 1, params.count == inputs * outputs else {
                throw fail("a fully connected layer without bias (fc_no_bias) of \(inputs)×\(outputs)")
            }
            return .fullyConnected(inputs: inputs, outputs: outputs, weights: params)
        default:
            throw fail("a supported layer (con, bn_con, affine, relu, max_pool, avg_pool, add_prev, fc), found '\(kind)'")
        }
    }
}
