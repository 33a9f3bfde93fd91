public import Tensor
import Foundation

/// 2-D convolution, square kernel, dilation 1, as im2col + one sgemm per sample; a 1×1 stride-1
/// convolution is a plain GEMM on the input.
///
/// input [N, Cin, H, W] → output [N, Cout, Ho, Wo], Ho = (H + 2p − k) / s + 1
/// weight [Cout, Cin, k, k] (PyTorch's layout), bias [Cout]
public final class Conv2d: Layer {
    public let name: String
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public var computesInputGradient = true
    /// False for a frozen network used only to pass gradients to its input (perceptual features).
    public var computesParameterGradients = true

    private let parameters: Parameters
    private let weightOffset: Int
    private let biasOffset: Int
    private let workspace: Workspace
    private var input: Tensor?
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                parameters: Parameters, workspace: Workspace) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0, "bad conv geometry")
        self.name = name
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.parameters = parameters
        self.workspace = workspace
        weightOffset = parameters.declare(name + ".weight", shape: [outChannels, inChannels, kernel, kernel])
        biasOffset = parameters.declare(name + ".bias", shape: [outChannels])
    }

    var geometry: ConvGeometry { ConvGeometry(kernel: kernel, stride: stride, padding: padding) }

    /// Output rows in blocks of at most `tileColumns` pixels and about `tileFloats` im2col values:
    /// the column buffer stays small (not K × the whole image) and warm in cache for the GEMM.
    /// 2^20 values (4 MB) rather than 2^22: the 16-wide UNet's training step at 256² ran 15 %
    /// faster on a Cooperlake VM and 5 % on an EPYC one (README, "bench train"); 2^19 was no better.
    private func tiles(outH: Int, outW: Int, columnRows: Int? = nil) -> [Range<Int>] {
        let columns = min(tileColumns, max(1, Self.tileFloats / (columnRows ?? self.columnRows)))
        let rowsPerTile = max(1, columns / max(1, outW))
        return Swift.stride(from: 0, to: outH, by: rowsPerTile).map { $0..<min(outH, $0 + rowsPerTile) }
    }

    /// Most pixels per im2col block (whole rows; at least one row).
    public var tileColumns = 16384
    static let tileFloats = 1 << 20
    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    private var columnRows: Int { inChannels * kernel * kernel }
    /// Stride 1 with padding ≤ k − 1: the input gradient is itself a convolution of dY (below).
    private var backwardIsConvolution: Bool { stride == 1 && padding <= kernel - 1 }
    private var flippedWeights: [Float] = []

    public func outputShape(_ s: Shape) -> Shape {
        Shape(s.n, outChannels, geometry.outputSize(s.h), geometry.outputSize(s.w))
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        precondition(x.shape.c == inChannels, "\(name): expects \(inChannels) channels, got \(x.shape)")
        input = x
        let y = output.get(outputShape(x.shape))
        let spatial = y.shape.plane
        let weight = parameters.values.pointer + weightOffset
        let bias = parameters.values.pointer + biasOffset
        for n in 0..<x.shape.n {
            let xn = x.sample(n), yn = y.sample(n)
            // Start from the bias and accumulate W · columns on top (beta = 1).
            for co in 0..<outChannels { (yn.pointer + co * spatial).update(repeating: bias[co], count: spatial) }
            if isPointwise {
                Gemm.multiply(m: outChannels, n: spatial, k: columnRows, a: weight, b: xn.pointer, c: yn.pointer, beta: 1)
                continue
            }
            for rows in tiles(outH: y.shape.h, outW: y.shape.w) {
                let width = rows.count * y.shape.w
                let columns = workspace.buffer(columnRows * width)
                im2col(xn, geometry: geometry, rows: rows, outW: y.shape.w, into: columns)
                Gemm.multiply(m: outChannels, n: width, k: columnRows, a: weight, b: columns,
                              c: yn.pointer + rows.lowerBound * y.shape.w, ldc: spatial, beta: 1)
            }
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        guard let x = input else { preconditionFailure("\(name): backward before forward") }
        let spatial = dOutput.shape.plane
        let weight = parameters.values.pointer + weightOffset
        let dWeight = parameters.gradients.pointer + weightOffset
        let dBias = parameters.gradients.pointer + biasOffset
        let dx = computesInputGradient ? dInput.get(x.shape) : nil
        let dxByConvolution = dx != nil && backwardIsConvolution && !isPointwise
        if dxByConvolution { flipWeights(weight) }
        for n in 0..<x.shape.n {
            let xn = x.sample(n), dyn = dOutput.sample(n)
            for co in 0..<outChannels where computesParameterGradients {
                let row = dyn.pointer + co * spatial
                var sum: Float = 0
                for i in 0..<spatial { sum += row[i] }
                dBias[co] += sum
            }
            if isPointwise {
                if computesParameterGradients {
                    Gemm.multiply(m: outChannels, n: columnRows, k: spatial, a: dyn.pointer, b: xn.pointer, transposeB: true,
                                  c: dWeight, beta: 1)
                }
                if let dx {
                    Gemm.multiply(m: columnRows, n: spatial, k: outChannels, a: weight, transposeA: true, b: dyn.pointer,
                                  c: dx.sample(n).pointer)
                }
                continue
            }
            if dxByConvolution { inputGradientByConvolution(dyn, into: dx!.sample(n)) } else { dx?.sample(n).fill(0) }
            // What is left per block of rows: dW, and dX where it was not a convolution.
            guard computesParameterGradients || (dx != nil && !dxByConvolution) else { continue }
            for rows in tiles(outH: dOutput.shape.h, outW: dOutput.shape.w) {
                let width = rows.count * dOutput.shape.w
                let dyTile = dyn.pointer + rows.lowerBound * dOutput.shape.w
                // dW += dY · columnsᵀ, with the columns rebuilt rather than kept from forward.
                let columns = workspace.buffer(columnRows * width)
                if computesParameterGradients {
                    im2col(xn, geometry: geometry, rows: rows, outW: dOutput.shape.w, into: columns)
                    Gemm.multiply(m: outChannels, n: columnRows, k: width, a: dyTile, lda: spatial, b: columns, transposeB: true,
                                  c: dWeight, beta: 1)
                }
                guard let dx, !dxByConvolution else { continue }
                // dColumns = Wᵀ · dY, folded back onto the input (col2im).
                Gemm.multiply(m: columnRows, n: width, k: outChannels, a: weight, transposeA: true, b: dyTile, ldb: spatial,
                              c: columns)
                col2im(columns, geometry: geometry, rows: rows, outW: dOutput.shape.w, into: dx.sample(n))
            }
        }
        return dx.map { [$0] } ?? []
    }

    /// dX = dY ⊛ W' for stride 1: W'[ci, co, ky, kx] = W[co, ci, k−1−ky, k−1−kx] with padding
    /// k − 1 − p (the "full" correlation), as im2col of dY + one GEMM per block of input rows.
    /// The same arithmetic as Wᵀ·dY + col2im, but its GEMM has K = Cout·k² instead of Cout and
    /// nothing is scattered back (col2im's k² strided adds per value): conv backward −5 % (README).
    /// `flippedWeights` must hold W' (`flipWeights`, once per backward).
    private func inputGradientByConvolution(_ dy: Tensor, into dx: Tensor) {
        let rows = outChannels * kernel * kernel
        let g = ConvGeometry(kernel: kernel, stride: 1, padding: kernel - 1 - padding)
        let h = dx.shape.h, w = dx.shape.w
        precondition(flippedWeights.count == inChannels * rows, "\(name): flipped weights not prepared")
        flippedWeights.withUnsafeBufferPointer { flipped in
            for block in tiles(outH: h, outW: w, columnRows: rows) {
                let width = block.count * w
                let columns = workspace.buffer(rows * width)
                im2col(dy, geometry: g, rows: block, outW: w, into: columns)
                Gemm.multiply(m: inChannels, n: width, k: rows, a: flipped.baseAddress!, b: columns,
                              c: dx.pointer + block.lowerBound * w, ldc: h * w)
            }
        }
    }

    /// W'[ci, co, ky, kx] = W[co, ci, k−1−ky, k−1−kx], laid out [Cin, Cout·k²] for the GEMM above.
    private func flipWeights(_ weight: UnsafePointer<Float>) {
        let k2 = kernel * kernel, rows = outChannels * k2
        if flippedWeights.count != inChannels * rows { flippedWeights = [Float](repeating: 0, count: inChannels * rows) }
        for co in 0..<outChannels {
            for ci in 0..<inChannels {
                let from = (co * inChannels + ci) * k2, to = ci * rows + co * k2
                for t in 0..<k2 { flippedWeights[to + t] = weight[from + k2 - 1 - t] }
            }
        }
    }
}

/// Kernel, stride and padding of a square convolution window.
public struct ConvGeometry: Sendable {
    public let kernel: Int
    public let stride: Int
    public let padding: Int

    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernel) / stride + 1 }
}

/// columns[(ci·k + ky)·k + kx, (oy − r0)·Wo + ox] = x[ci, oy·s − p + ky, ox·s − p + kx] (0 outside),
/// for output rows oy in `rows` = r0..<r1. x is one sample [1, C, H, W].
func im2col(_ x: Tensor, geometry g: ConvGeometry, rows: Range<Int>, outW: Int, into columns: UnsafeMutablePointer<Float>) {
    let c = x.shape.c, h = x.shape.h, w = x.shape.w, k = g.kernel
    let src = x.pointer
    let width = rows.count * outW
    forEachChannel(c, work: c * k * k * width) { ci in
        let plane = src + ci * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                var dst = columns + ((ci * k + ky) * k + kx) * width
                // Output columns whose source x is inside the image: ox in [first, last).
                let first = max(0, (g.padding - kx + g.stride - 1) / g.stride)
                let last = min(outW, max(first, (w + g.padding - kx + g.stride - 1) / g.stride))
                for oy in rows {
                    let iy = oy * g.stride - g.padding + ky
                    if iy < 0 || iy >= h {
                        dst.update(repeating: 0, count: outW)
                    } else {
                        let row = plane + iy * w
                        if first > 0 { dst.update(repeating: 0, count: first) }
                        if g.stride == 1 {
                            (dst + first).update(from: row + (first - g.padding + kx), count: last - first)
                        } else {
                            var ix = first * g.stride - g.padding + kx
                            for ox in first..<last {
                                dst[ox] = row[ix]
                                ix += g.stride
                            }
                        }
                        if last < outW { (dst + last).update(repeating: 0, count: outW - last) }
                    }
                    dst += outW
                }
            }
        }
    }
}

/// The adjoint of im2col for output rows `rows`: adds each column entry into the input pixel it
/// read (dx accumulates, so blocks of rows can be folded one after another).
func col2im(_ columns: UnsafePointer<Float>, geometry g: ConvGeometry, rows: Range<Int>, outW: Int, into dx: Tensor) {
    let c = dx.shape.c, h = dx.shape.h, w = dx.shape.w, k = g.kernel
    let width = rows.count * outW
    forEachChannel(c, work: c * k * k * width) { ci in
        let plane = dx.pointer + ci * h * w
        for ky in 0..<k {
            for kx in 0..<k {
                var src = columns + ((ci * k + ky) * k + kx) * width
                let first = max(0, (g.padding - kx + g.stride - 1) / g.stride)
                let last = min(outW, max(first, (w + g.padding - kx + g.stride - 1) / g.stride))
                for oy in rows {
                    let iy = oy * g.stride - g.padding + ky
                    if iy >= 0 && iy < h && last > first {
                        let row = plane + iy * w
                        if g.stride == 1 {
                            addInPlace(row + (first - g.padding + kx), src + first, count: last - first)
                        } else {
                            var ix = first * g.stride - g.padding + kx
                            for ox in first..<last {
                                row[ix] += src[ox]
                                ix += g.stride
                            }
                        }
                    }
                    src += outW
                }
            }
        }
    }
}

/// Runs `body` for every channel, split over the cores when there is enough work to pay for it.
/// Channels touch disjoint memory in im2col (their column rows) and col2im (their input planes).
@inline(__always)
func forEachChannel(_ channels: Int, work: Int, _ body: (Int) -> Void) {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    guard cores > 1, channels > 1, work >= 1 << 16 else {
        for c in 0..<channels { body(c) }
        return
    }
    let chunks = min(cores, channels)
    withoutActuallyEscaping(body) { escapable in
        // Safe: concurrentPerform returns only when every chunk is done, and chunks share no channel.
        let shared = UncheckedSendable(escapable)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for c in stride(from: chunk, to: channels, by: chunks) { shared.value(c) }
        }
    }
}

struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// dst[i] += src[i] in 8-wide vectors.
@inline(__always)
func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let a = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: a + b, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        dst[i] += src[i]
        i += 1
    }
}
