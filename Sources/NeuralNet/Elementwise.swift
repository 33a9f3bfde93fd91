public import Tensor

/// y = x for x > 0, slope · x otherwise. Shapes unchanged.
public final class LeakyReLU: Layer {
    public let name: String
    public let slope: Float
    public var computesInputGradient = true
    private var input: Tensor?
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String, slope: Float = 0.2) {
        self.name = name
        self.slope = slope
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0]
        input = x
        let y = output.get(x.shape)
        let src = x.pointer, dst = y.pointer, a = slope
        for i in 0..<x.count { dst[i] = src[i] > 0 ? src[i] : a * src[i] }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        backward(dOutput, overwritingOutputGradient: false)
    }

    public func backward(_ dOutput: Tensor, overwritingOutputGradient: Bool) -> [Tensor] {
        guard let x = input else { preconditionFailure("\(name): backward before forward") }
        let dx = overwritingOutputGradient ? dOutput : dInput.get(x.shape)
        let src = x.pointer, dy = dOutput.pointer, out = dx.pointer, a = slope
        for i in 0..<x.count { out[i] = src[i] > 0 ? dy[i] : a * dy[i] }
        return [dx]
    }
}

/// y = x forward; backward hands on `scale` · dy: a branch that reads features but pulls on them
/// only weakly (scale 0: not at all). Shapes unchanged.
public final class GradientScale: Layer {
    public let name: String
    public let scale: Float
    public var computesInputGradient = true
    private var dInput = Reusable()

    public init(_ name: String, scale: Float) {
        self.name = name
        self.scale = scale
    }

    public func forward(_ inputs: [Tensor]) -> Tensor { inputs[0] }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        let dx = dInput.get(dOutput.shape)
        let dy = dOutput.pointer, out = dx.pointer, k = scale
        for i in 0..<dOutput.count { out[i] = k * dy[i] }
        return [dx]
    }
}

/// Channel concatenation: [N, C1, H, W] + [N, C2, H, W] → [N, C1 + C2, H, W].
public final class Concat: Layer {
    public let name: String
    public var computesInputGradient = true
    private var shapes: [Shape] = []
    private var output = Reusable()
    private var dInputs: [Reusable] = []

    public init(_ name: String) { self.name = name }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let first = inputs[0].shape
        precondition(inputs.allSatisfy { $0.shape.n == first.n && $0.shape.h == first.h && $0.shape.w == first.w },
                     "\(name): spatial shapes differ: \(inputs.map(\.shape))")
        shapes = inputs.map(\.shape)
        let total = inputs.reduce(0) { $0 + $1.shape.c }
        let y = output.get(Shape(first.n, total, first.h, first.w))
        for n in 0..<first.n {
            var channel = 0
            for x in inputs {
                let size = x.shape.c * x.shape.plane
                (y.sample(n).pointer + channel * first.plane).update(from: x.sample(n).pointer, count: size)
                channel += x.shape.c
            }
        }
        return y
    }

    /// Batch-1 gradients are channel views of dOutput: no copy, no buffers.
    public var gradientAliasing: GradientAliasing { shapes.first?.n == 1 ? .disjointViews : .none }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        if dOutput.shape.n == 1 {
            var channel = 0
            return shapes.map { shape in
                defer { channel += shape.c }
                return dOutput.channels(channel..<(channel + shape.c))
            }
        }
        if dInputs.count != shapes.count { dInputs = Array(repeating: Reusable(), count: shapes.count) }
        var grads: [Tensor] = []
        var channel = 0
        for (i, shape) in shapes.enumerated() {
            let dx = dInputs[i].get(shape)
            for n in 0..<shape.n {
                dx.sample(n).pointer.update(from: dOutput.sample(n).pointer + channel * shape.plane,
                                            count: shape.c * shape.plane)
            }
            channel += shape.c
            grads.append(dx)
        }
        return grads
    }
}

/// Elementwise sum of inputs of one shape. The gradient passes unchanged to every input.
public final class Add: Layer {
    public let name: String
    public var computesInputGradient = true
    private var inputCount = 0
    private var output = Reusable()

    public init(_ name: String) { self.name = name }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.allSatisfy { $0.shape == inputs[0].shape }, "\(name): shapes differ")
        inputCount = inputs.count
        let y = output.get(inputs[0].shape)
        y.pointer.update(from: inputs[0].pointer, count: y.count)
        for x in inputs.dropFirst() { y.add(x) }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        Array(repeating: dOutput, count: inputCount)
    }

    public var gradientAliasing: GradientAliasing { .shared }
}

/// Sum of two inputs whose channels or sizes may differ, as dlib's add_prev does: the output has
/// the larger of each dimension and a missing element counts as zero (top-left aligned).
/// [N, C1, H1, W1] + [N, C2, H2, W2] → [N, max C, max H, max W]; each gradient is the crop of dOutput.
public final class PaddedAdd: Layer {
    public let name: String
    public var computesInputGradient = true
    private var inputShapes: [Shape] = []
    private var output = Reusable()
    private var dInputs = [Reusable(), Reusable()]

    public init(_ name: String) { self.name = name }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count == 2 && inputs[0].shape.n == inputs[1].shape.n, "\(name): two inputs of one batch size")
        let a = inputs[0].shape, b = inputs[1].shape
        inputShapes = [a, b]
        let y = output.get(Shape(a.n, max(a.c, b.c), max(a.h, b.h), max(a.w, b.w)))
        y.fill(0)
        for x in inputs { Self.region(of: y, matching: x.shape) { out, src in out.pointee += x.pointer[src] } }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        inputShapes.indices.map { k in
            let s = inputShapes[k]
            if s == dOutput.shape { return dOutput }
            let dx = dInputs[k].get(s)
            Self.region(of: dOutput, matching: s) { out, src in dx.pointer[src] = out.pointee }
            return dx
        }
    }

    /// An input of the output's shape gets `dOutput` itself.
    public var gradientAliasing: GradientAliasing { .shared }

    /// Calls `body(element of big, index in small)` for every element the smaller shape covers.
    private static func region(of big: Tensor, matching small: Shape, _ body: (UnsafeMutablePointer<Float>, Int) -> Void) {
        let s = big.shape
        for n in 0..<small.n {
            for c in 0..<small.c {
                for y in 0..<small.h {
                    let row = big.pointer + ((n * s.c + c) * s.h + y) * s.w
                    let source = ((n * small.c + c) * small.h + y) * small.w
                    for x in 0..<small.w { body(row + x, source + x) }
                }
            }
        }
    }
}
