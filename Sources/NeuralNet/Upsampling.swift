public import Tensor

/// Bilinear ×2 upsampling with PyTorch's `align_corners=False`: output pixel o samples the input
/// at (o + 0.5) / 2 − 0.5, clamped at 0. [N, C, H, W] → [N, C, 2H, 2W]
public final class BilinearUpsample2: Layer {
    public let name: String
    public var computesInputGradient = true
    private var inputShape = Shape(0, 0, 0, 0)
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String) { self.name = name }

    /// Source taps (low, high) and the weight of high for each output index along one axis.
    static func taps(_ size: Int) -> [(Int, Int, Float)] {
        (0..<(2 * size)).map { o in
            let source = max(0, (Float(o) + 0.5) / 2 - 0.5)
            let low = min(Int(source), size - 1)
            return (low, min(low + 1, size - 1), source - Float(low))
        }
    }

    private var cachedSize = (0, 0)
    private var rows: [(Int, Int, Float)] = []
    private var cols: [(Int, Int, Float)] = []

    private func prepare(_ s: Shape) {
        if cachedSize != (s.h, s.w) {
            rows = Self.taps(s.h)
            cols = Self.taps(s.w)
            cachedSize = (s.h, s.w)
        }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0], s = x.shape
        inputShape = s
        prepare(s)
        let y = output.get(Shape(s.n, s.c, 2 * s.h, 2 * s.w))
        let ow = 2 * s.w
        rows.withUnsafeBufferPointer { rows in
            cols.withUnsafeBufferPointer { cols in
                for plane in 0..<(s.n * s.c) {
                    let src = x.pointer + plane * s.plane, dst = y.pointer + plane * 4 * s.plane
                    for (oy, (y0, y1, fy)) in rows.enumerated() {
                        let r0 = src + y0 * s.w, r1 = src + y1 * s.w, out = dst + oy * ow
                        for ox in 0..<ow {
                            let (x0, x1, fx) = cols[ox]
                            let top = r0[x0] + (r0[x1] - r0[x0]) * fx
                            let bottom = r1[x0] + (r1[x1] - r1[x0]) * fx
                            out[ox] = top + (bottom - top) * fy
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        let s = inputShape
        let dx = dInput.get(s)
        dx.fill(0)
        let ow = 2 * s.w
        rows.withUnsafeBufferPointer { rows in
            cols.withUnsafeBufferPointer { cols in
                for plane in 0..<(s.n * s.c) {
                    let dst = dx.pointer + plane * s.plane, dy = dOutput.pointer + plane * 4 * s.plane
                    for (oy, (y0, y1, fy)) in rows.enumerated() {
                        let r0 = dst + y0 * s.w, r1 = dst + y1 * s.w, g = dy + oy * ow
                        for ox in 0..<ow {
                            let (x0, x1, fx) = cols[ox]
                            let top = g[ox] * (1 - fy), bottom = g[ox] * fy
                            r0[x0] += top * (1 - fx)
                            r0[x1] += top * fx
                            r1[x0] += bottom * (1 - fx)
                            r1[x1] += bottom * fx
                        }
                    }
                }
            }
        }
        return [dx]
    }
}

/// Transposed convolution, kernel 2, stride 2: each input pixel paints a 2×2 output block.
/// input [N, Cin, H, W] → output [N, Cout, 2H, 2W]; weight [Cin, Cout, 2, 2] (PyTorch's layout),
/// bias [Cout]. One GEMM: blocks[Cout·4, H·W] = Wᵀ · x.
public final class TransposedConv2: Layer {
    public let name: String
    public let inChannels: Int
    public let outChannels: Int
    public var computesInputGradient = true
    private let parameters: Parameters
    private let weightOffset: Int
    private let biasOffset: Int
    private let workspace: Workspace
    private var input: Tensor?
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String, _ inChannels: Int, _ outChannels: Int, parameters: Parameters, workspace: Workspace) {
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.parameters = parameters
        self.workspace = workspace
        weightOffset = parameters.declare(name + ".weight", shape: [inChannels, outChannels, 2, 2])
        biasOffset = parameters.declare(name + ".bias", shape: [outChannels])
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0], s = x.shape
        precondition(s.c == inChannels, "\(name): expects \(inChannels) channels, got \(s)")
        input = x
        let y = output.get(Shape(s.n, outChannels, 2 * s.h, 2 * s.w))
        let weight = parameters.values.pointer + weightOffset, bias = parameters.values.pointer + biasOffset
        let blocks = workspace.buffer(outChannels * 4 * s.plane)
        for n in 0..<s.n {
            Gemm.multiply(m: outChannels * 4, n: s.plane, k: inChannels, a: weight, transposeA: true,
                          b: x.sample(n).pointer, c: blocks)
            let yn = y.sample(n).pointer
            for co in 0..<outChannels {
                for a in 0..<2 {
                    for b in 0..<2 {
                        let src = blocks + (co * 4 + a * 2 + b) * s.plane
                        for i in 0..<s.h {
                            let out = yn + (co * 2 * s.h + 2 * i + a) * 2 * s.w + b
                            for j in 0..<s.w { out[2 * j] = src[i * s.w + j] + bias[co] }
                        }
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        guard let x = input else { preconditionFailure("\(name): backward before forward") }
        let s = x.shape
        let weight = parameters.values.pointer + weightOffset
        let dWeight = parameters.gradients.pointer + weightOffset, dBias = parameters.gradients.pointer + biasOffset
        let dx = computesInputGradient ? dInput.get(s) : nil
        let blocks = workspace.buffer(outChannels * 4 * s.plane)
        for n in 0..<s.n {
            let dyn = dOutput.sample(n).pointer
            for co in 0..<outChannels {
                var sum: Float = 0
                for a in 0..<2 {
                    for b in 0..<2 {
                        let dst = blocks + (co * 4 + a * 2 + b) * s.plane
                        for i in 0..<s.h {
                            let g = dyn + (co * 2 * s.h + 2 * i + a) * 2 * s.w + b
                            for j in 0..<s.w {
                                dst[i * s.w + j] = g[2 * j]
                                sum += g[2 * j]
                            }
                        }
                    }
                }
                dBias[co] += sum
            }
            Gemm.multiply(m: inChannels, n: outChannels * 4, k: s.plane, a: x.sample(n).pointer, b: blocks,
                          transposeB: true, c: dWeight, beta: 1)
            if let dx {
                Gemm.multiply(m: inChannels, n: s.plane, k: outChannels * 4, a: weight, b: blocks,
                              c: dx.sample(n).pointer)
            }
        }
        return dx.map { [$0] } ?? []
    }
}
