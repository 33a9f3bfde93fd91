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

    /// Threads the work is shared out over (`Workers`); 1 leaves any threading to OpenBLAS.
    public var workers = Workers.cores
    /// Most pixels per im2col block (whole rows; at least one row).
    public var tileColumns = 16384
    /// About 2^20 column values (4 MB) per block: the column buffer stays small (not K × the whole
    /// image) and warm in cache for the GEMM; 15 % faster than 2^22 on a Cooperlake VM and 5 % on
    /// an EPYC one (docs/reference.md, "bench train"); 2^19 was no better.
    static let tileFloats = 1 << 20
    /// Pixels each worker must get before the workers take whole blocks each; below, blocks go one
    /// after another and each GEMM is split by rows of its output. 64: at 1024 the 32² and 16²
    /// levels of a 128² UNet step ran 10–25 % slower by split GEMMs (`bench train --by-layer`).
    public var minimumWorkerPixels = 64

    /// A pass over an image in blocks of whole output rows.
    struct Blocks {
        var rows: [Range<Int>]
        /// Workers each taking whole blocks (im2col and GEMM on one core); 1: one block after another.
        var workers: Int
    }

    /// The blocks of an outH × outW output whose im2col has `columnRows` rows. `disjointFold`: the
    /// blocks' col2im writes must not meet when blocks two apart run at once (even blocks, then odd).
    private func blocks(outH: Int, outW: Int, columnRows: Int, disjointFold: Bool = false) -> Blocks {
        let columns = min(tileColumns, max(1, Self.tileFloats / columnRows))
        var rowsPerBlock = max(1, columns / max(1, outW))
        var shared = workers > 1 && outH >= workers && outH * outW / workers >= minimumWorkerPixels
        if shared { rowsPerBlock = min(rowsPerBlock, (outH + workers - 1) / workers) }
        // Input rows a block reads: (r1 − 1)·s − p + k past its first, so block i and i + 2 are
        // apart when the block between them spans at least k input rows.
        if disjointFold && rowsPerBlock * stride < kernel { shared = false }
        let rows = Swift.stride(from: 0, to: outH, by: rowsPerBlock).map { $0..<min(outH, $0 + rowsPerBlock) }
        return Blocks(rows: rows, workers: shared ? workers : 1)
    }

    /// Runs `body(block, worker)` on every block: each worker its share (block i goes to worker
    /// i mod workers), or all on worker 0 in order. `phases` 2 runs even blocks, then odd ones.
    private func run(_ blocks: Blocks, phases: Int = 1, _ body: (Range<Int>, Int) -> Void) {
        for phase in 0..<phases {
            let mine = blocks.rows.indices.filter { $0 % phases == phase }
            Workers.run(blocks.workers) { worker in
                for (j, i) in mine.enumerated() where j % blocks.workers == worker { body(blocks.rows[i], worker) }
            }
        }
    }

    /// A GEMM inside a block: the block's own, on its worker's core, when the workers share
    /// blocks; else split by output rows over all of them.
    private func multiply(_ blocks: Blocks, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transposeA: Bool = false, lda: Int? = nil,
                          b: UnsafePointer<Float>, transposeB: Bool = false, ldb: Int? = nil,
                          c: UnsafeMutablePointer<Float>, ldc: Int? = nil, beta: Float = 0) {
        if blocks.workers > 1 {
            Gemm.multiply(m: m, n: n, k: k, a: a, transposeA: transposeA, lda: lda, b: b, transposeB: transposeB, ldb: ldb,
                          c: c, ldc: ldc, beta: beta)
        } else {
            Workers.multiply(workers, m: m, n: n, k: k, a: a, transposeA: transposeA, lda: lda, b: b, transposeB: transposeB,
                             ldb: ldb, c: c, ldc: ldc, beta: beta)
        }
    }

    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    private var columnRows: Int { inChannels * kernel * kernel }
    /// Stride 1 with padding ≤ k − 1: the input gradient is itself a convolution of dY (below).
    private var backwardIsConvolution: Bool { stride == 1 && padding <= kernel - 1 }
    private var flippedWeights: [Float] = []

    public func outputShape(_ s: Shape) -> Shape {
        Shape(s.n, outChannels, geometry.outputSize(s.h), geometry.outputSize(s.w))
    }

    /// The im2col columns of `x` for output rows `rows` (a pointwise layer's are x's own pixels,
    /// row stride `spatial`), built in `buffer`; returns them and their row stride.
    private func columns(_ x: Tensor, rows: Range<Int>, outW: Int, buffer: UnsafeMutablePointer<Float>, serial: Bool)
        -> (UnsafePointer<Float>, Int) {
        if isPointwise { return (UnsafePointer(x.pointer + rows.lowerBound * outW), x.shape.plane) }
        im2col(x, geometry: geometry, rows: rows, outW: outW, into: buffer, serial: serial)
        return (UnsafePointer(buffer), rows.count * outW)
    }

    /// One column buffer per worker, taken before the workers start (the workspace grows on one thread).
    private func columnBuffers(_ blocks: Blocks, rows: Int, outW: Int) -> [UnsafeMutablePointer<Float>] {
        let longest = blocks.rows.map(\.count).max() ?? 0
        return (0..<blocks.workers).map { workspace.buffer(isPointwise ? 1 : rows * longest * outW, worker: $0) }
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        precondition(x.shape.c == inChannels, "\(name): expects \(inChannels) channels, got \(x.shape)")
        input = x
        let y = output.get(outputShape(x.shape))
        let spatial = y.shape.plane, outW = y.shape.w
        let weight = parameters.values.pointer + weightOffset
        let bias = parameters.values.pointer + biasOffset
        let plan = blocks(outH: y.shape.h, outW: outW, columnRows: columnRows)
        let buffers = columnBuffers(plan, rows: columnRows, outW: outW)
        for n in 0..<x.shape.n {
            let xn = x.sample(n), yn = y.sample(n)
            // Start from the bias and accumulate W · columns on top (beta = 1).
            for co in 0..<outChannels { (yn.pointer + co * spatial).update(repeating: bias[co], count: spatial) }
            run(plan) { rows, worker in
                let (cols, ld) = columns(xn, rows: rows, outW: outW, buffer: buffers[worker], serial: plan.workers > 1)
                multiply(plan, m: outChannels, n: rows.count * outW, k: columnRows, a: weight, b: cols, ldb: ld,
                         c: yn.pointer + rows.lowerBound * outW, ldc: spatial, beta: 1)
            }
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        guard let x = input else { preconditionFailure("\(name): backward before forward") }
        let spatial = dOutput.shape.plane, outW = dOutput.shape.w
        let weight = parameters.values.pointer + weightOffset
        let dWeight = parameters.gradients.pointer + weightOffset
        let dBias = parameters.gradients.pointer + biasOffset
        let dx = computesInputGradient ? dInput.get(x.shape) : nil
        let dxByConvolution = dx != nil && backwardIsConvolution && !isPointwise
        // What the per-block pass does: dW, and dX where it is not a convolution of dY.
        let dxFolded = dx != nil && !dxByConvolution
        let folds = dxFolded && !isPointwise
        let plan = blocks(outH: dOutput.shape.h, outW: outW, columnRows: columnRows, disjointFold: folds)
        // Worker 0 adds its blocks' dW into the gradient itself, the others into their own buffers.
        let weights = outChannels * columnRows
        let partials: [UnsafeMutablePointer<Float>] = computesParameterGradients ? (1..<plan.workers).map { worker in
            let buffer = workspace.gradientBuffer(weights, worker: worker)
            buffer.update(repeating: 0, count: weights)
            return buffer
        } : []
        if dxByConvolution { flipWeights(weight) }
        for n in 0..<x.shape.n {
            let xn = x.sample(n), dyn = dOutput.sample(n)
            for co in 0..<outChannels where computesParameterGradients {
                let row = dyn.pointer + co * spatial
                var sum: Float = 0
                for i in 0..<spatial { sum += row[i] }
                dBias[co] += sum
            }
            if dxByConvolution { inputGradientByConvolution(dyn, into: dx!.sample(n)) } else if folds { dx!.sample(n).fill(0) }
            guard computesParameterGradients || dxFolded else { continue }
            // Taken after the input gradient's pass, which may grow the same buffers.
            let buffers = columnBuffers(plan, rows: columnRows, outW: outW)
            run(plan, phases: folds && plan.workers > 1 ? 2 : 1) { rows, worker in
                let width = rows.count * outW
                let dyBlock = dyn.pointer + rows.lowerBound * outW
                if computesParameterGradients {
                    // dW += dY · columnsᵀ, with the columns rebuilt rather than kept from forward.
                    let (cols, ld) = columns(xn, rows: rows, outW: outW, buffer: buffers[worker], serial: plan.workers > 1)
                    multiply(plan, m: outChannels, n: columnRows, k: width, a: dyBlock, lda: spatial, b: cols, transposeB: true,
                             ldb: ld, c: worker == 0 ? dWeight : partials[worker - 1], beta: 1)
                }
                guard let dx, dxFolded else { return }
                let dxn = dx.sample(n)
                if isPointwise {
                    multiply(plan, m: columnRows, n: width, k: outChannels, a: weight, transposeA: true, b: dyBlock, ldb: spatial,
                             c: dxn.pointer + rows.lowerBound * outW, ldc: spatial)
                    return
                }
                // dColumns = Wᵀ · dY, folded back onto the input (col2im).
                multiply(plan, m: columnRows, n: width, k: outChannels, a: weight, transposeA: true, b: dyBlock, ldb: spatial,
                         c: buffers[worker])
                col2im(buffers[worker], geometry: geometry, rows: rows, outW: outW, into: dxn, serial: plan.workers > 1)
            }
        }
        for partial in partials { addInPlace(dWeight, partial, count: weights) }
        return dx.map { [$0] } ?? []
    }

    /// dX = dY ⊛ W' for stride 1: W'[ci, co, ky, kx] = W[co, ci, k−1−ky, k−1−kx] with padding
    /// k − 1 − p (the "full" correlation), as im2col of dY + one GEMM per block of input rows.
    /// The same arithmetic as Wᵀ·dY + col2im, but its GEMM has K = Cout·k² instead of Cout and
    /// nothing is scattered back (col2im's k² strided adds per value): conv backward −5 % (docs/reference.md, "bench train").
    /// `flippedWeights` must hold W' (`flipWeights`, once per backward).
    private func inputGradientByConvolution(_ dy: Tensor, into dx: Tensor) {
        let rows = outChannels * kernel * kernel
        let g = ConvGeometry(kernel: kernel, stride: 1, padding: kernel - 1 - padding)
        let h = dx.shape.h, w = dx.shape.w
        precondition(flippedWeights.count == inChannels * rows, "\(name): flipped weights not prepared")
        let plan = blocks(outH: h, outW: w, columnRows: rows)
        let buffers = columnBuffers(plan, rows: rows, outW: w)
        flippedWeights.withUnsafeBufferPointer { flipped in
            run(plan) { block, worker in
                im2col(dy, geometry: g, rows: block, outW: w, into: buffers[worker], serial: plan.workers > 1)
                multiply(plan, m: inChannels, n: block.count * w, k: rows, a: flipped.baseAddress!, b: buffers[worker],
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
func im2col(_ x: Tensor, geometry g: ConvGeometry, rows: Range<Int>, outW: Int, into columns: UnsafeMutablePointer<Float>,
            serial: Bool = false) {
    let c = x.shape.c, h = x.shape.h, w = x.shape.w, k = g.kernel
    let src = x.pointer
    let width = rows.count * outW
    forEachChannel(c, work: serial ? 0 : c * k * k * width) { ci in
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
func col2im(_ columns: UnsafePointer<Float>, geometry g: ConvGeometry, rows: Range<Int>, outW: Int, into dx: Tensor,
            serial: Bool = false) {
    let c = dx.shape.c, h = dx.shape.h, w = dx.shape.w, k = g.kernel
    let width = rows.count * outW
    forEachChannel(c, work: serial ? 0 : c * k * k * width) { ci in
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
    let cores = Workers.cores
    guard cores > 1, channels > 1, work >= 1 << 16 else {
        for c in 0..<channels { body(c) }
        return
    }
    let chunks = min(cores, channels)
    Workers.concurrently(chunks) { chunk in
        for c in stride(from: chunk, to: channels, by: chunks) { body(c) }
    }
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
