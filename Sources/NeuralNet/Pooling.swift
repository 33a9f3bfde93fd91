public import Tensor

/// Max over 2×2 windows, stride 2 (odd trailing rows/columns dropped, as PyTorch does; the first
/// maximum in PyTorch's scan order wins ties). [N, C, H, W] → [N, C, H/2, W/2]
public final class MaxPool2: MaxPool {
    public init(_ name: String) { super.init(name, kernel: 2, stride: 2) }
}

/// Mean over k×k windows, stride k (trailing remainder dropped). [N, C, H, W] → [N, C, H/k, W/k]
public final class AveragePool: Layer {
    public let name: String
    public let size: Int
    public var computesInputGradient = true
    private var inputShape = Shape(0, 0, 0, 0)
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String, size: Int) {
        precondition(size >= 1, "pool size must be positive")
        self.name = name
        self.size = size
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0], s = x.shape, k = size
        inputShape = s
        let y = output.get(Shape(s.n, s.c, s.h / k, s.w / k))
        let oh = y.shape.h, ow = y.shape.w, scale = 1 / Float(k * k)
        for plane in 0..<(s.n * s.c) {
            let src = x.pointer + plane * s.plane, dst = y.pointer + plane * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var sum: Float = 0
                    for dy in 0..<k { for dx in 0..<k { sum += src[(oy * k + dy) * s.w + ox * k + dx] } }
                    dst[oy * ow + ox] = sum * scale
                }
            }
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        let s = inputShape, k = size
        let dx = dInput.get(s)
        dx.fill(0)
        let oh = dOutput.shape.h, ow = dOutput.shape.w, scale = 1 / Float(k * k)
        for plane in 0..<(s.n * s.c) {
            let dst = dx.pointer + plane * s.plane, dy = dOutput.pointer + plane * oh * ow
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let g = dy[oy * ow + ox] * scale
                    for ky in 0..<k { for kx in 0..<k { dst[(oy * k + ky) * s.w + ox * k + kx] = g } }
                }
            }
        }
        return [dx]
    }
}

/// Max over k×k windows at stride s, no padding (dlib's max_pool<k,k,s,s>): [N, C, H, W] →
/// [N, C, (H − k)/s + 1, (W − k)/s + 1]. The first maximum in scan order takes the gradient.
public class MaxPool: Layer {
    public let name: String
    public let kernel: Int
    public let stride: Int
    public var computesInputGradient = true
    private var inputShape = Shape(0, 0, 0, 0)
    private var argmax: [Int32] = []
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String, kernel: Int, stride: Int) {
        precondition(kernel >= 1 && stride >= 1, "bad pooling geometry")
        self.name = name
        self.kernel = kernel
        self.stride = stride
    }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0], s = x.shape
        precondition(s.h >= kernel && s.w >= kernel, "\(name): input \(s) smaller than the \(kernel)×\(kernel) window")
        inputShape = s
        let y = output.get(Shape(s.n, s.c, (s.h - kernel) / stride + 1, (s.w - kernel) / stride + 1))
        if argmax.count != y.count { argmax = Array(repeating: 0, count: y.count) }
        let oh = y.shape.h, ow = y.shape.w
        argmax.withUnsafeMutableBufferPointer { best in
            for plane in 0..<(s.n * s.c) {
                let src = x.pointer + plane * s.plane, dst = y.pointer + plane * oh * ow
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var index = oy * stride * s.w + ox * stride
                        var value = src[index]
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let i = (oy * stride + ky) * s.w + ox * stride + kx
                                if src[i] > value { value = src[i]; index = i }
                            }
                        }
                        dst[oy * ow + ox] = value
                        best[plane * oh * ow + oy * ow + ox] = Int32(index)
                    }
                }
            }
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        let dx = dInput.get(inputShape)
        dx.fill(0)
        let outPlane = dOutput.shape.plane
        argmax.withUnsafeBufferPointer { best in
            for plane in 0..<(inputShape.n * inputShape.c) {
                let dst = dx.pointer + plane * inputShape.plane, dy = dOutput.pointer + plane * outPlane
                for i in 0..<outPlane { dst[Int(best[plane * outPlane + i])] += dy[i] }
            }
        }
        return [dx]
    }
}

/// Mean over each whole channel: [N, C, H, W] → [N, C, 1, 1].
public final class GlobalAveragePool: Layer {
    public let name: String
    public var computesInputGradient = true
    private var inputShape = Shape(0, 0, 0, 0)
    private var output = Reusable()
    private var dInput = Reusable()

    public init(_ name: String) { self.name = name }

    public func forward(_ inputs: [Tensor]) -> Tensor {
        let x = inputs[0], s = x.shape
        inputShape = s
        let y = output.get(Shape(s.n, s.c, 1, 1))
        for plane in 0..<(s.n * s.c) {
            let src = x.pointer + plane * s.plane
            var sum: Float = 0
            for i in 0..<s.plane { sum += src[i] }
            y.pointer[plane] = sum / Float(s.plane)
        }
        return y
    }

    public func backward(_ dOutput: Tensor) -> [Tensor] {
        let s = inputShape
        let dx = dInput.get(s)
        for plane in 0..<(s.n * s.c) {
            (dx.pointer + plane * s.plane).update(repeating: dOutput.pointer[plane] / Float(s.plane), count: s.plane)
        }
        return [dx]
    }
}
