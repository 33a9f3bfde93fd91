import Foundation

/// Lengths to cut a file of `size` bytes at, to test a reader against a file cut at every
/// structure: every length up to `dense`, every length within 2 bytes of each offset in
/// `boundaries` (where the format's structures start and end), and every `stride`-th length.
/// The whole file (`size`) is not among them.
public func truncations(size: Int, dense: Int = 256, stride step: Int, boundaries: [Int] = []) -> [Int] {
    var lengths = Set(0..<min(dense, size))
    for offset in boundaries { for d in -2...2 where (0..<size).contains(offset + d) { lengths.insert(offset + d) } }
    lengths.formUnion(Swift.stride(from: 0, to: size, by: max(step, 1)))
    return lengths.sorted()
}

/// Every offset at which `pattern` starts in `data`.
public func offsets(of pattern: [UInt8], in data: Data) -> [Int] {
    let bytes = [UInt8](data)
    guard bytes.count >= pattern.count else { return [] }
    return (0...(bytes.count - pattern.count)).filter { at in bytes[at..<(at + pattern.count)].elementsEqual(pattern) }
}
