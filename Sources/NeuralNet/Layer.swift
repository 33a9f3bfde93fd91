public import Tensor

/// A differentiable step. `forward` keeps what `backward` needs; `backward` takes the gradient
/// of the loss with respect to the output and returns the gradients for the inputs (in order),
/// adding (never assigning) the parameter gradients into the network's `Parameters.gradients`.
///
/// Buffers are owned by the layer and reused while shapes stay the same, so a training step
/// allocates nothing after the first. The tensors a layer returns stay valid until its next call.
public protocol Layer: AnyObject {
    var name: String { get }
    func forward(_ inputs: [Tensor]) -> Tensor
    func backward(_ dOutput: Tensor) -> [Tensor]
    /// False when the inputs are data that need no gradient (skips dInput work, e.g. the first conv).
    var computesInputGradient: Bool { get set }
    /// Backward that may write its result over `dOutput` when the caller no longer needs it
    /// (saves one gradient buffer per elementwise layer). Defaults to `backward(_:)`.
    func backward(_ dOutput: Tensor, overwritingOutputGradient: Bool) -> [Tensor]
    /// Whether the gradients `backward` returns are, or lie inside, `dOutput` itself.
    var gradientAliasing: GradientAliasing { get }
}

/// How a layer's input gradients relate to the output gradient it was given.
public enum GradientAliasing: Sendable {
    /// Fresh buffers owned by the layer.
    case none
    /// Disjoint views into `dOutput` (Concat): each may be overwritten if `dOutput` could be.
    case disjointViews
    /// `dOutput` itself, handed to several inputs (Add): never overwritable.
    case shared
}

extension Layer {
    public func backward(_ dOutput: Tensor, overwritingOutputGradient: Bool) -> [Tensor] { backward(dOutput) }
    public var gradientAliasing: GradientAliasing { .none }
}

/// A tensor that a layer reuses between calls while the shape stays the same.
struct Reusable {
    private var tensor: Tensor?

    mutating func get(_ shape: Shape) -> Tensor {
        if let tensor, tensor.shape == shape { return tensor }
        let fresh = Tensor(shape)
        tensor = fresh
        return fresh
    }
}

/// Scratch memory shared by the layers of one network, grown on demand: one column buffer per
/// worker (im2col blocks), and one gradient buffer per worker beyond the first (its share of a
/// layer's weight gradient, added in at the end).
public final class Workspace {
    private var columns: [TensorStorage] = []
    private var gradients: [TensorStorage] = []

    public init() {}

    public func buffer(_ count: Int, worker: Int = 0) -> UnsafeMutablePointer<Float> {
        Self.grow(&columns, worker, count)
    }

    func gradientBuffer(_ count: Int, worker: Int) -> UnsafeMutablePointer<Float> {
        Self.grow(&gradients, worker, count)
    }

    private static func grow(_ storages: inout [TensorStorage], _ worker: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        while storages.count <= worker { storages.append(TensorStorage(count: 0)) }
        if storages[worker].count < count { storages[worker] = TensorStorage(count: count) }
        return storages[worker].pointer
    }
}
