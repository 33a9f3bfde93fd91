public import Tensor

/// Every trainable value of a network in one flat buffer (and its gradient in another), so the
/// optimiser and checkpoints are single loops over contiguous memory. Layers declare their
/// tensors while the network is built; `allocate()` then fixes the layout.
public final class Parameters {
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public private(set) var entries: [Entry] = []
    public private(set) var count = 0
    public private(set) var values = TensorStorage(count: 0)
    public private(set) var gradients = TensorStorage(count: 0)
    private var allocated = false

    public init() {}

    /// Reserves a named tensor; returns its offset in the flat buffers.
    public func declare(_ name: String, shape: [Int]) -> Int {
        precondition(!allocated, "declare after allocate")
        precondition(!entries.contains { $0.name == name }, "duplicate parameter \(name)")
        let entry = Entry(name: name, shape: shape, offset: count)
        entries.append(entry)
        count += entry.count
        return entry.offset
    }

    public func allocate() {
        precondition(!allocated, "allocate twice")
        values = TensorStorage(count: count)
        gradients = TensorStorage(count: count)
        allocated = true
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    public func value(_ entry: Entry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: values.pointer + entry.offset, count: entry.count)
    }

    public func gradient(_ entry: Entry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: gradients.pointer + entry.offset, count: entry.count)
    }

    public func zeroGradients() { gradients.pointer.update(repeating: 0, count: count) }
}
