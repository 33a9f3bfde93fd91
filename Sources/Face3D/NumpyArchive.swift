import Foundation

/// A numpy `.npz` (what `np.savez` writes: a zip of `.npy` members, stored uncompressed), read
/// through a memory map: the albedo basis is ~1 GB and only a few of its rows are ever touched.
/// Members are parsed from their `.npy` headers (little-endian float32/float64, C order);
/// anything else — compression, other dtypes, Fortran order, sizes past the file — is an error
/// naming the file and what is wrong.
public final class NumpyArchive {
    public struct Member {
        public let shape: [Int]
        let offset: Int
        let elementSize: Int
        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let members: [String: Member]
    private let data: Data

    public init(path: String) throws {
        self.path = path
        func fail(_ reason: String) -> PickleError { PickleError(path: path, reason: reason) }
        guard let mapped = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw fail("cannot read the file")
        }
        data = mapped
        let bytes = mapped
        func u16(_ at: Int) throws -> Int {
            guard at >= 0, at + 2 <= bytes.count else { throw fail("zip structure runs past the end at byte \(at)") }
            return Int(bytes[bytes.startIndex + at]) | Int(bytes[bytes.startIndex + at + 1]) << 8
        }
        func u32(_ at: Int) throws -> Int { try u16(at) | (try u16(at + 2)) << 16 }
        func u64(_ at: Int) throws -> Int {
            let value = try u32(at) | (try u32(at + 4)) << 32
            guard value >= 0 else { throw fail("zip64 size out of range at byte \(at)") }
            return value
        }
        // End of central directory: the last 22 bytes, or earlier when a comment follows.
        var end = -1
        for at in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1) where try u32(at) == 0x0605_4b50 {
            end = at
            break
        }
        guard end >= 0 else { throw fail("not a zip archive (no end-of-directory record); np.savez writes one") }
        let entries = try u16(end + 10)
        var cursor = try u32(end + 16)
        var members: [String: Member] = [:]
        for _ in 0..<entries {
            guard try u32(cursor) == 0x0201_4b50 else { throw fail("bad central directory entry at byte \(cursor)") }
            let method = try u16(cursor + 10)
            var size = try u32(cursor + 20)
            let nameLength = try u16(cursor + 28), extraLength = try u16(cursor + 30), commentLength = try u16(cursor + 32)
            var local = try u32(cursor + 42)
            guard cursor + 46 + nameLength <= bytes.count else { throw fail("member name runs past the end") }
            let name = String(decoding: bytes[(bytes.startIndex + cursor + 46)..<(bytes.startIndex + cursor + 46 + nameLength)], as: UTF8.self)
            // Zip64: sizes and offsets of 0xFFFFFFFF live in extra field 0x0001, in this order.
            var extra = cursor + 46 + nameLength
            while extra + 4 <= cursor + 46 + nameLength + extraLength {
                let id = try u16(extra), length = try u16(extra + 2)
                if id == 0x0001 {
                    var field = extra + 4
                    if try u32(cursor + 24) == 0xFFFF_FFFF { field += 8 }  // uncompressed size
                    if size == 0xFFFF_FFFF { size = try u64(field); field += 8 }
                    if local == 0xFFFF_FFFF { local = try u64(field) }
                }
                extra += 4 + length
            }
            guard method == 0 else { throw fail("member \(name) is compressed (np.savez_compressed); save the archive with np.savez") }
            guard try u32(local) == 0x0403_4b50 else { throw fail("bad local header of \(name) at byte \(local)") }
            let start = local + 30 + (try u16(local + 26)) + (try u16(local + 28))
            guard start + size <= bytes.count else { throw fail("member \(name) runs past the end of the file") }
            let key = name.hasSuffix(".npy") ? String(name.dropLast(4)) : name
            members[key] = try Self.parseNPY(bytes, start: start, size: size, name: name, fail: fail)
            cursor += 46 + nameLength + extraLength + commentLength
        }
        self.members = members
    }

    /// The `.npy` header: magic, version, a Python dict literal with descr, fortran_order, shape.
    private static func parseNPY(_ bytes: Data, start: Int, size: Int, name: String, fail: (String) -> PickleError) throws -> Member {
        let b = bytes.startIndex + start
        guard size >= 10, bytes[b] == 0x93, String(decoding: bytes[(b + 1)..<(b + 6)], as: UTF8.self) == "NUMPY" else {
            throw fail("\(name) is not a .npy member")
        }
        let major = bytes[b + 6]
        let lengthBytes = major == 1 ? 2 : 4
        guard size >= 8 + lengthBytes else { throw fail("\(name): truncated header") }
        var headerLength = 0
        for k in 0..<lengthBytes { headerLength |= Int(bytes[b + 8 + k]) << (8 * k) }
        let headerStart = 8 + lengthBytes
        guard headerStart + headerLength <= size else { throw fail("\(name): header runs past the member") }
        let header = String(decoding: bytes[(b + headerStart)..<(b + headerStart + headerLength)], as: UTF8.self)
        let elementSize: Int
        if header.contains("'descr': '<f4'") { elementSize = 4 } else if header.contains("'descr': '<f8'") { elementSize = 8 } else {
            throw fail("\(name): only little-endian float32/float64 arrays are read (header: \(header.trimmingCharacters(in: .whitespacesAndNewlines)))")
        }
        guard header.contains("'fortran_order': False") else { throw fail("\(name): Fortran-ordered arrays are not read") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw fail("\(name): no shape in the header")
        }
        let dims = header[open.upperBound..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let shape = try dims.map { d -> Int in
            guard let n = Int(d), n >= 0, n < 1 << 40 else { throw fail("\(name): bad dimension '\(d)'") }
            return n
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, n in
            let (p, o) = acc.0.multipliedReportingOverflow(by: n)
            return (p, acc.1 || o)
        }
        guard !overflow, count <= (size - headerStart - headerLength) / elementSize else {
            throw fail("\(name): shape \(shape) needs more data than the member holds")
        }
        return Member(shape: shape, offset: start + headerStart + headerLength, elementSize: elementSize)
    }

    /// Element `index` (flat, C order) of a member, widened to Double.
    public func element(_ member: Member, _ index: Int) -> Double {
        precondition(index >= 0 && index < member.count, "element index out of range")
        let at = data.startIndex + member.offset + index * member.elementSize
        var bits: UInt64 = 0
        for k in 0..<member.elementSize { bits |= UInt64(data[at + k]) << (8 * UInt64(k)) }
        return member.elementSize == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : Double(bitPattern: bits)
    }

    public func member(_ name: String) throws -> Member {
        guard let m = members[name] else {
            throw PickleError(path: path, reason: "no array '\(name)' (has: \(members.keys.sorted().joined(separator: ", ")))")
        }
        return m
    }
}
