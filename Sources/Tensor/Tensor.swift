import Foundation
import Synchronization

/// Shape of an NCHW tensor.
public struct Shape: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var n: Int
    public var c: Int
    public var h: Int
    public var w: Int

    public init(_ n: Int, _ c: Int, _ h: Int, _ w: Int) {
        self.n = n
        self.c = c
        self.h = h
        self.w = w
    }

    public var count: Int { n * c * h * w }
    public var plane: Int { h * w }
    public var description: String { "[\(n), \(c), \(h), \(w)]" }
}

/// 64-byte aligned Float32 memory (cache line and AVX-512 friendly), freed in deinit.
public final class TensorStorage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// How many storages this process has allocated (lets tests prove a training step reuses its buffers).
    public static var allocations: Int { allocationCounter.load(ordering: .relaxed) }
    private static let allocationCounter = Atomic<Int>(0)

    public init(count: Int) {
        precondition(count >= 0, "negative tensor size")
        Self.allocationCounter.add(1, ordering: .relaxed)
        var raw: UnsafeMutableRawPointer? = nil
        let bytes = max(1, count) * MemoryLayout<Float>.stride
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else {
            fatalError("posix_memalign failed for \(bytes) bytes: out of memory")
        }
        pointer = raw.bindMemory(to: Float.self, capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
        self.count = count
    }

    deinit { free(pointer) }
}

/// An NCHW Float32 tensor: a shape over shared storage. Copying a `Tensor` copies the reference,
/// not the values, so views (`channels(_:)`, `sample(_:)`, `reshaped(_:)`) cost nothing and
/// writes through any of them are seen by all. `copy()` makes independent values.
public struct Tensor: @unchecked Sendable {
    public let storage: TensorStorage
    public let offset: Int
    public let shape: Shape

    /// Zero-filled tensor with fresh storage.
    public init(_ shape: Shape) {
        storage = TensorStorage(count: shape.count)
        offset = 0
        self.shape = shape
    }

    public init(_ shape: Shape, values: [Float]) {
        precondition(values.count == shape.count, "\(values.count) values for shape \(shape)")
        self.init(shape)
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    private init(storage: TensorStorage, offset: Int, shape: Shape) {
        precondition(offset >= 0 && offset + shape.count <= storage.count, "view outside storage")
        self.storage = storage
        self.offset = offset
        self.shape = shape
    }

    public var count: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer + offset }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
    public var values: [Float] { Array(buffer) }

    /// Channels `range` of a batch-1 tensor, without copying (NCHW keeps them contiguous).
    public func channels(_ range: Range<Int>) -> Tensor {
        precondition(shape.n == 1 && range.lowerBound >= 0 && range.upperBound <= shape.c, "bad channel range \(range) of \(shape)")
        return Tensor(storage: storage, offset: offset + range.lowerBound * shape.plane,
                      shape: Shape(1, range.count, shape.h, shape.w))
    }

    /// Batch item `index` as a batch-1 view.
    public func sample(_ index: Int) -> Tensor {
        precondition((0..<shape.n).contains(index), "sample \(index) of \(shape)")
        let size = shape.c * shape.plane
        return Tensor(storage: storage, offset: offset + index * size, shape: Shape(1, shape.c, shape.h, shape.w))
    }

    /// Same values under another shape of equal size.
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.count == shape.count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(storage: storage, offset: offset, shape: newShape)
    }

    public func copy() -> Tensor {
        let out = Tensor(shape)
        out.pointer.update(from: pointer, count: count)
        return out
    }

    public func fill(_ value: Float) { pointer.update(repeating: value, count: count) }

    /// self += other, elementwise.
    public func add(_ other: Tensor) {
        precondition(other.shape == shape, "add: \(other.shape) vs \(shape)")
        let a = pointer, b = other.pointer
        for i in 0..<count { a[i] += b[i] }
    }

    public subscript(n: Int, c: Int, y: Int, x: Int) -> Float {
        get { pointer[((n * shape.c + c) * shape.h + y) * shape.w + x] }
        nonmutating set { pointer[((n * shape.c + c) * shape.h + y) * shape.w + x] = newValue }
    }
}

extension Tensor {
    /// A batch-1 tensor holding a planar image's values.
    public init(_ image: PlanarImage) {
        self.init(Shape(1, image.channels, image.height, image.width), values: image.data)
    }

    /// The batch-1 tensor's values as a planar image.
    public func planarImage() -> PlanarImage {
        precondition(shape.n == 1, "planarImage needs batch 1")
        return PlanarImage(width: shape.w, height: shape.h, channels: shape.c, data: values)
    }
}
