import Foundation

/// Why a pickle (a FLAME model or landmark embedding) was rejected: what, and at which byte.
public struct PickleError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// A numpy array read from a pickle; elements widened to Double (indices stay exact below 2^53).
/// A class so that BUILD, which fills an array after it was memoised, reaches every reference.
public final class NumpyArray {
    public internal(set) var shape: [Int]
    public internal(set) var values: [Double]
    var isBuilt = false

    init(shape: [Int] = [0], values: [Double] = []) {
        self.shape = shape
        self.values = values
    }

    public var count: Int { values.count }
}

/// An instance of one of the few classes the reader knows (chumpy `Ch`, scipy sparse matrices),
/// kept as its class name and the state dict BUILD gave it.
public final class PickledObject {
    public let type: String
    public internal(set) var state: PickleValue = .none

    init(type: String) { self.type = type }
}

/// A numpy dtype: element kind and size; byte order set by BUILD.
public final class PickledDType {
    public let code: String
    public internal(set) var littleEndian = true
    init(code: String) { self.code = code }
}

/// What a pickle holds, restricted to what FLAME's files need. Nothing in a pickle is ever
/// executed: globals are names matched against an allow-list, and each allowed one is
/// interpreted by this reader (numpy's array reconstruction, dtype, chumpy/scipy state).
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    case list([PickleValue])
    case dict([(key: PickleValue, value: PickleValue)])
    case array(NumpyArray)
    case object(PickledObject)
    case dtype(PickledDType)
    case global(String)

    public var string: String? { if case .string(let s) = self { s } else { nil } }

    /// The dict entry under a string key.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        return entries.first { $0.key.string == key }?.value
    }

    /// An array, also inside a chumpy `Ch` (its state's "x").
    public var numpy: NumpyArray? {
        switch self {
        case .array(let a): a
        case .object(let o) where o.type.hasSuffix(".Ch"): o.state["x"]?.numpy
        default: nil
        }
    }
}

/// Reads pickles (protocols 2–5) with a bounded opcode set and an allow-list of globals.
/// Rejected, without executing anything: unknown globals and opcodes, persistent ids (torch
/// storages), lengths past the end of the file, nesting deeper than `maxDepth`, arrays whose data
/// does not match their shape.
public struct PickleReader {
    public static let maxDepth = 64

    /// Globals the reader understands, by "module.name".
    static let reconstruct: Set = ["numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct"]
    static let scalar: Set = ["numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar"]
    static let classes: Set = [
        "numpy.ndarray", "numpy.dtype", "chumpy.ch.Ch", "copy_reg._reconstructor", "copyreg._reconstructor",
        "__builtin__.object", "builtins.object", "_codecs.encode",
        "scipy.sparse.csc.csc_matrix", "scipy.sparse._csc.csc_matrix", "scipy.sparse.csr.csr_matrix", "scipy.sparse._csr.csr_matrix",
    ]

    let path: String
    private let bytes: [UInt8]
    private var offset = 0
    /// The stack with each value's nesting depth beside it; marks split it into frames.
    private var stack: [(PickleValue, Int)] = []
    private var marks: [Int] = []
    private var memo: [Int: (PickleValue, Int)] = [:]

    public static func read(_ path: String) throws -> PickleValue {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PickleError(path: path, reason: "cannot read the file")
        }
        var reader = PickleReader(bytes: [UInt8](data), path: path)
        return try reader.run()
    }

    public init(bytes: [UInt8], path: String = "<memory>") {
        self.bytes = bytes
        self.path = path
    }

    func fail(_ why: String) -> PickleError {
        PickleError(path: path, reason: "\(why) at byte \(offset) of \(bytes.count)")
    }

    // MARK: - Reading bytes

    private mutating func take(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - offset else { throw fail("\(what) of \(n) bytes runs past the end (truncated?)") }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    private mutating func unsigned(_ n: Int, _ what: String) throws -> Int {
        let raw = try take(n, what)
        var v: UInt64 = 0
        for (k, b) in raw.enumerated() { v |= UInt64(b) << (8 * UInt64(k)) }
        guard v <= UInt64(Int.max) else { throw fail("\(what) too large") }
        return Int(v)
    }

    private mutating func line(_ what: String) throws -> String {
        guard let end = bytes[offset...].prefix(256).firstIndex(of: 10) else { throw fail("\(what) without an end of line") }
        defer { offset = end + 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    private mutating func text(_ n: Int) throws -> String { String(decoding: try take(n, "a string"), as: UTF8.self) }

    /// Python 2 `str`: bytes, read as Latin-1 text (as `pickle.load(encoding="latin1")` does).
    private mutating func latin1(_ n: Int) throws -> PickleValue {
        .string(String(try take(n, "a string").map { Character(Unicode.Scalar($0)) }))
    }

    // MARK: - The stack

    private mutating func push(_ v: PickleValue, depth: Int = 0) throws {
        guard depth <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
        stack.append((v, depth))
    }

    private mutating func pop() throws -> (PickleValue, Int) {
        guard stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
        return stack.removeLast()
    }

    private mutating func popMark() throws -> [(PickleValue, Int)] {
        guard let mark = marks.popLast() else { throw fail("no mark on the stack") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    private static func depth(_ items: [(PickleValue, Int)]) -> Int { 1 + (items.map(\.1).max() ?? 0) }

    private mutating func tuple(_ items: [(PickleValue, Int)]) throws {
        try push(.tuple(items.map(\.0)), depth: Self.depth(items))
    }

    // MARK: - The machine

    public mutating func run() throws -> PickleValue {
        while true {
            let op = try take(1, "an opcode").first!
            switch op {
            case 0x80: _ = try take(1, "the protocol")                              // PROTO
            case 0x95: _ = try take(8, "a frame length")                            // FRAME
            case 0x2E:                                                              // STOP
                guard let (value, _) = stack.last, stack.count == 1, marks.isEmpty else { throw fail("STOP with \(stack.count) values on the stack") }
                return value
            case 0x28: marks.append(stack.count)                                    // MARK
                guard marks.count <= Self.maxDepth else { throw fail("nesting deeper than \(Self.maxDepth)") }
            case 0x4E: try push(.none)                                              // NONE
            case 0x88: try push(.bool(true))                                        // NEWTRUE
            case 0x89: try push(.bool(false))                                       // NEWFALSE
            case 0x4B: try push(.int(try unsigned(1, "BININT1")))                   // BININT1
            case 0x4D: try push(.int(try unsigned(2, "BININT2")))                   // BININT2
            case 0x4A: try push(.int(Int(Int32(truncatingIfNeeded: try unsigned(4, "BININT")))))
            case 0x8A, 0x8B:                                                        // LONG1, LONG4
                let n = op == 0x8A ? try unsigned(1, "LONG1 size") : try unsigned(4, "LONG4 size")
                guard n <= 8 else { throw fail("integer of \(n) bytes") }
                let raw = try take(n, "an integer")
                var v: Int64 = 0
                for (k, b) in raw.enumerated() { v |= Int64(b) << (8 * Int64(k)) }
                if n > 0, n < 8, raw.last! & 0x80 != 0 { v -= Int64(1) << (8 * Int64(n)) }
                try push(.int(Int(v)))
            case 0x47:                                                              // BINFLOAT
                let raw = try take(8, "a float")
                try push(.float(Double(bitPattern: raw.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })))
            case 0x55: try push(try latin1(try unsigned(1, "a length")))            // SHORT_BINSTRING
            case 0x54:                                                              // BINSTRING
                let n = Int(Int32(truncatingIfNeeded: try unsigned(4, "a length")))
                try push(try latin1(n))
            case 0x8C: try push(.string(try text(try unsigned(1, "a length"))))     // SHORT_BINUNICODE
            case 0x58: try push(.string(try text(try unsigned(4, "a length"))))     // BINUNICODE
            case 0x8D: try push(.string(try text(try unsigned(8, "a length"))))     // BINUNICODE8
            case 0x43: try push(.bytes(Array(try take(try unsigned(1, "a length"), "bytes"))))  // SHORT_BINBYTES
            case 0x42: try push(.bytes(Array(try take(try unsigned(4, "a length"), "bytes"))))  // BINBYTES
            case 0x8E: try push(.bytes(Array(try take(try unsigned(8, "a length"), "bytes"))))  // BINBYTES8
            case 0x29: try push(.tuple([]), depth: 1)                               // EMPTY_TUPLE
            case 0x85, 0x86, 0x87:                                                  // TUPLE1…3
                let n = Int(op - 0x84)
                guard stack.count - (marks.last ?? 0) >= n else { throw fail("stack underflow") }
                let items = Array(stack.suffix(n))
                stack.removeLast(n)
                try tuple(items)
            case 0x74: try tuple(try popMark())                                     // TUPLE
            case 0x5D: try push(.list([]), depth: 1)                                // EMPTY_LIST
            case 0x6C: let items = try popMark(); try push(.list(items.map(\.0)), depth: Self.depth(items))  // LIST
            case 0x61: try append([try pop()])                                      // APPEND
            case 0x65: try append(try popMark())                                    // APPENDS
            case 0x7D: try push(.dict([]), depth: 1)                                // EMPTY_DICT
            case 0x64: try push(.dict([]), depth: 1); try setItems(try popMarkBelowTop())  // DICT
            case 0x73: let v = try pop(), k = try pop(); try setItems([k, v])       // SETITEM
            case 0x75: try setItems(try popMark())                                  // SETITEMS
            case 0x8F: try push(.list([]), depth: 1)                                // EMPTY_SET (kept as a list)
            case 0x90: try append(try popMark())                                    // ADDITEMS
            case 0x30: _ = try pop()                                                // POP
            case 0x31: _ = try popMark()                                            // POP_MARK
            case 0x32: let top = try pop(); stack.append(top); stack.append(top)    // DUP
            case 0x71: memo[try unsigned(1, "a memo index")] = try top()            // BINPUT
            case 0x72: memo[try unsigned(4, "a memo index")] = try top()            // LONG_BINPUT
            case 0x94: memo[memo.count] = try top()                                 // MEMOIZE
            case 0x68, 0x6A:                                                        // BINGET, LONG_BINGET
                let k = try unsigned(op == 0x68 ? 1 : 4, "a memo index")
                guard let v = memo[k] else { throw fail("memo entry \(k) was never stored") }
                stack.append(v)
            case 0x63:                                                              // GLOBAL
                let module = try line("a module name"), name = try line("a global name")
                try push(try global(module, name))
            case 0x93:                                                              // STACK_GLOBAL
                let (name, _) = try pop(), (module, _) = try pop()
                guard let m = module.string, let n = name.string else { throw fail("STACK_GLOBAL without two names") }
                try push(try global(m, n))
            case 0x52:                                                              // REDUCE
                let (args, depth) = try pop(), (callable, _) = try pop()
                try push(try reduce(callable, args), depth: depth)
            case 0x81:                                                              // NEWOBJ
                let (_, depth) = try pop(), (cls, _) = try pop()
                guard case .global(let name) = cls, name != "numpy.dtype", name != "_codecs.encode" else {
                    throw fail("NEWOBJ of something that is not an allowed class")
                }
                try push(.object(PickledObject(type: name)), depth: depth)
            case 0x62:                                                              // BUILD
                let (state, depth) = try pop(), (target, targetDepth) = try pop()
                try build(target, state)
                try push(target, depth: max(depth + 1, targetDepth))
            case 0x50, 0x51: throw fail("persistent ids (e.g. torch tensors) are not supported")
            default: throw fail(String(format: "opcode 0x%02x is not in the supported subset", op))
            }
        }
    }

    private func top() throws -> (PickleValue, Int) {
        guard let t = stack.last else { throw fail("memo put on an empty stack") }
        return t
    }

    /// DICT: the items since the mark sit below the new dict; move them above it.
    private mutating func popMarkBelowTop() throws -> [(PickleValue, Int)] {
        let dict = stack.removeLast()
        let items = try popMark()
        stack.append(dict)
        return items
    }

    private mutating func append(_ items: [(PickleValue, Int)]) throws {
        let (target, depth) = try pop()
        guard case .list(var list) = target else { throw fail("APPEND to something that is not a list") }
        list += items.map(\.0)
        try push(.list(list), depth: max(depth, Self.depth(items)))
    }

    private mutating func setItems(_ items: [(PickleValue, Int)]) throws {
        guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values") }
        let (target, depth) = try pop()
        guard case .dict(var entries) = target else { throw fail("SETITEM on something that is not a dict") }
        for k in stride(from: 0, to: items.count, by: 2) {
            if let i = entries.firstIndex(where: { $0.key.string != nil && $0.key.string == items[k].0.string }) {
                entries[i].value = items[k + 1].0
            } else {
                entries.append((items[k].0, items[k + 1].0))
            }
        }
        try push(.dict(entries), depth: max(depth, Self.depth(items)))
    }

    private func global(_ module: String, _ name: String) throws -> PickleValue {
        let full = module + "." + name
        guard Self.reconstruct.contains(full) || Self.scalar.contains(full) || Self.classes.contains(full) else {
            throw fail("global \(full) is not allowed (only numpy arrays, chumpy Ch and scipy sparse matrices are read)")
        }
        return .global(full)
    }

    private func reduce(_ callable: PickleValue, _ args: PickleValue) throws -> PickleValue {
        guard case .global(let name) = callable, case .tuple(let a) = args else { throw fail("REDUCE of a non-global") }
        if Self.reconstruct.contains(name) { return .array(NumpyArray()) }
        if name == "numpy.dtype", let code = a.first?.string { return .dtype(PickledDType(code: code)) }
        if name == "_codecs.encode", let s = a.first?.string { return .bytes(Self.latin1Bytes(s)) }
        if name.hasSuffix("._reconstructor"), case .global(let cls)? = a.first, cls != "numpy.dtype" { return .object(PickledObject(type: cls)) }
        if Self.scalar.contains(name), a.count == 2, case .dtype(let dtype) = a[0] {
            let raw: [UInt8]
            switch a[1] { case .bytes(let b): raw = b; case .string(let s): raw = Self.latin1Bytes(s); default: throw fail("numpy scalar without data") }
            let values = try decode(raw, dtype, count: 1)
            return dtype.code.hasPrefix("f") ? .float(values[0]) : .int(Int(values[0]))
        }
        throw fail("REDUCE of \(name) with arguments it does not take")
    }

    private func build(_ target: PickleValue, _ state: PickleValue) throws {
        switch target {
        case .array(let array):
            // numpy's ndarray.__setstate__: (version, shape, dtype, is_fortran, data).
            guard !array.isBuilt, case .tuple(let s) = state, s.count == 5, case .tuple(let dims) = s[1], case .dtype(let dtype) = s[2] else {
                throw fail("array state is not (version, shape, dtype, fortran, data)")
            }
            let shape = try dims.map { d -> Int in
                guard case .int(let n) = d, n >= 0 else { throw fail("array dimension is not a non-negative integer") }
                return n
            }
            var count = 1
            for n in shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: n)
                guard !overflow, product <= bytes.count else { throw fail("array of shape \(shape) is larger than the file") }
                count = product
            }
            let raw: [UInt8]
            switch s[4] {
            case .bytes(let b): raw = b
            case .string(let t): raw = Self.latin1Bytes(t)
            default: throw fail("array data is neither bytes nor a string (object arrays are not supported)")
            }
            var values = try decode(raw, dtype, count: count)
            if case .bool(true) = s[3] { values = Self.fortranToC(values, shape: shape) }
            array.shape = shape
            array.values = values
            array.isBuilt = true
        case .dtype(let dtype):
            guard case .tuple(let s) = state, s.count >= 2, let order = s[1].string else { throw fail("dtype state without a byte order") }
            dtype.littleEndian = order != ">"
        case .object(let object):
            object.state = state
        default:
            throw fail("BUILD on a value that takes no state")
        }
    }

    /// A Python 2 `str` read as Latin-1 text, back to its bytes (array data, `_codecs.encode`).
    static func latin1Bytes(_ s: String) -> [UInt8] { s.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } }

    /// Raw little/big-endian elements → Double.
    private func decode(_ raw: [UInt8], _ dtype: PickledDType, count: Int) throws -> [Double] {
        let code = dtype.code
        guard let kind = code.first, let size = Int(code.dropFirst()), ["f", "i", "u", "b"].contains(kind),
              (kind == "f" && (size == 4 || size == 8)) || (kind != "f" && [1, 2, 4, 8].contains(size)) else {
            throw fail("dtype \(code) is not supported")
        }
        guard raw.count == count * size else { throw fail("array data holds \(raw.count) bytes, its shape needs \(count * size)") }
        return (0..<count).map { i in
            var bits: UInt64 = 0
            for k in 0..<size {
                let b = raw[i * size + (dtype.littleEndian ? k : size - 1 - k)]
                bits |= UInt64(b) << (8 * UInt64(k))
            }
            switch (kind, size) {
            case ("f", 4): return Double(Float(bitPattern: UInt32(bits)))
            case ("f", _): return Double(bitPattern: bits)
            case ("i", _), ("b", _):
                let shift = UInt64(64 - 8 * size)
                return Double(Int64(bitPattern: bits << shift) >> Int64(shift))
            default: return Double(bits)
            }
        }
    }

    private static func fortranToC(_ values: [Double], shape: [Int]) -> [Double] {
        guard shape.count > 1 else { return values }
        var out = values
        var index = [Int](repeating: 0, count: shape.count)
        for c in 0..<values.count {
            var f = 0, stride = 1
            for d in 0..<shape.count { f += index[d] * stride; stride *= shape[d] }
            out[c] = values[f]
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return out
    }
}
