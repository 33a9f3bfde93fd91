import Foundation

/// The safetensors file format (what PyTorch's `safetensors` package reads and writes): an
/// 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and byte
/// range, then the raw little-endian data. nicer stores F32 only.
public enum Safetensors {
    public struct Tensor: Equatable, Sendable {
        public var shape: [Int]
        public var values: [Float]

        public init(shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "shape \(shape) holds \(shape.reduce(1, *)) values, not \(values.count)")
            self.shape = shape
            self.values = values
        }
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): not a usable safetensors file: \(reason)" }
    }

    /// Largest header accepted (the format's own reference implementation caps it at 100 MB).
    static let maxHeaderBytes = 100_000_000

    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError(path: path, reason: "cannot read the file")
        }
        func fail(_ reason: String) -> FormatError { FormatError(path: path, reason: reason) }
        guard data.count >= 8 else { throw fail("\(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(min(maxHeaderBytes, data.count - 8)) else {
            throw fail("header length \(headerLength) exceeds the file (\(data.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data[8..<dataStart]) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        var ranges: [(Int, Int)] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let dictionary = value as? [String: String] else { throw fail("__metadata__ must map strings to strings") }
                metadata = dictionary
                continue
            }
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw fail("tensor '\(name)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw fail("tensor '\(name)' is \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, { $0.multipliedReportingOverflow(by: $1).partialValue }) < (1 << 31) else {
                throw fail("tensor '\(name)' has shape \(shape)")
            }
            let count = shape.reduce(1, *)
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end == begin + 4 * count else {
                throw fail("tensor '\(name)': byte range \(begin)..<\(end) does not hold shape \(shape) of F32")
            }
            guard dataStart + end <= data.count else {
                throw fail("tensor '\(name)' ends at byte \(dataStart + end), the file has \(data.count) (truncated?)")
            }
            ranges.append((begin, end))
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { out in
                data.copyBytes(to: out.bindMemory(to: UInt8.self), from: (dataStart + begin)..<(dataStart + end))
            }
            tensors[name] = Tensor(shape: shape, values: values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) })
        }
        ranges.sort { $0.0 < $1.0 }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw fail("tensor byte ranges overlap at \(b.0)")
        }
        return (tensors, metadata)
    }

    /// Encodes tensors (sorted by name) and metadata; the header is padded to 8 bytes with spaces.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            tensors[name]!.values.map { $0.bitPattern.littleEndian }.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// Writes atomically: a temporary file beside `path`, renamed over it when complete.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        let data = try encode(tensors, metadata: metadata)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, path) == 0 else {
                throw FormatError(path: path, reason: String(cString: strerror(errno)))
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw FormatError(path: path, reason: "cannot write: \(error.localizedDescription)")
        }
    }
}
