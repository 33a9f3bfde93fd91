import Foundation

/// Why a dlib model file could not be read: what was expected, and at which byte.
public struct FaceAssetError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "\(path): \(reason)" }
}

/// Reads dlib's serialization format (dlib/serialize.h), bounds-checked:
/// integers are a control byte (low nibble = byte count 1…8, bit 0x80 = negative) followed by
/// little-endian magnitude bytes; floats are a mantissa (int64) then an exponent (int16), value
/// mantissa·2^exponent; matrices are −rows, −columns, then the elements row by row.
struct DlibReader {
    let path: String
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FaceAssetError(path: path, reason: "cannot read the file")
        }
        self.path = path
        bytes = [UInt8](data)
    }

    init(bytes: [UInt8], path: String = "<memory>") {
        self.path = path
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    func fail(_ what: String) -> FaceAssetError {
        FaceAssetError(path: path, reason: "expected \(what) at byte \(offset) of \(bytes.count) (truncated or not a dlib model?)")
    }

    mutating func integer(_ what: String = "an integer") throws -> Int64 {
        guard offset < bytes.count else { throw fail(what) }
        let control = bytes[offset]
        let count = Int(control & 0x0F)
        guard control & 0x70 == 0, (1...8).contains(count), offset + 1 + count <= bytes.count else { throw fail(what) }
        var magnitude: UInt64 = 0
        for k in 0..<count { magnitude |= UInt64(bytes[offset + 1 + k]) << (8 * UInt64(k)) }
        offset += 1 + count
        guard magnitude <= UInt64(Int64.max) else { throw fail(what) }
        return control & 0x80 != 0 ? -Int64(magnitude) : Int64(magnitude)
    }

    mutating func count(_ what: String, limit: Int) throws -> Int {
        let start = offset
        let n = try integer(what)
        guard n >= 0, n <= limit else {
            offset = start
            throw fail("\(what) (0…\(limit)), found \(n)")
        }
        return Int(n)
    }

    mutating func float(_ what: String = "a float") throws -> Float {
        let mantissa = try integer(what + " mantissa")
        let exponent = try integer(what + " exponent")
        switch exponent {
        case 32000: return .infinity
        case 32001: return -.infinity
        case 32002: return .nan
        default:
            guard (-2000...2000).contains(exponent) else { throw fail(what + " exponent") }
            return Float(Double(mantissa) * pow(2, Double(exponent)))
        }
    }

    mutating func double(_ what: String) throws -> Double {
        let mantissa = try integer(what + " mantissa")
        let exponent = try integer(what + " exponent")
        guard (-2000...2000).contains(exponent) else { throw fail(what + " exponent") }
        return Double(mantissa) * pow(2, Double(exponent))
    }

    var byteCount: Int { bytes.count }

    func peek(_ ahead: Int = 0) -> UInt8 { bytes[offset + ahead] }

    mutating func bytes(_ n: Int, _ what: String) throws -> ArraySlice<UInt8> {
        guard n >= 0, offset + n <= bytes.count else { throw fail(what) }
        defer { offset += n }
        return bytes[offset..<(offset + n)]
    }

    /// A column vector stored as a dlib matrix of `rows`×1 (−rows, −1, then the values).
    mutating func matrix(rows expected: Int?, columns expectedColumns: Int, _ what: String) throws -> [Float] {
        let rows = -(try integer(what + " rows")), columns = -(try integer(what + " columns"))
        guard rows >= 0, columns == Int64(expectedColumns), expected.map({ Int64($0) == rows }) ?? (rows <= 100_000) else {
            throw fail("\(what) of \(expected.map(String.init) ?? "n")×\(expectedColumns), found \(rows)×\(columns)")
        }
        return try (0..<Int(rows * columns)).map { _ in try float(what) }
    }
}
