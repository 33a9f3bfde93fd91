import Foundation

/// PNG files written byte by byte (zlib's stored blocks, no compression), so tests can make the
/// kinds nicer never writes itself: palette images, 16-bit grey, wrong sizes.
public enum RawPNG {
    public enum Kind {
        case grey8, grey16, palette
    }

    /// A `width`×`height` image of one value (`level`, 0…255) in the given kind.
    public static func uniform(_ kind: Kind, width: Int, height: Int, level: UInt8 = 255) -> Data {
        let (colourType, depth, bytesPerPixel): (UInt8, UInt8, Int) = switch kind {
        case .grey8: (0, 8, 1)
        case .grey16: (0, 16, 2)
        case .palette: (3, 8, 1)
        }
        // Palette images index entry 1 of a black/white palette.
        let sample: [UInt8] = kind == .palette ? [level > 127 ? 1 : 0] : [UInt8](repeating: level, count: bytesPerPixel)
        var raw: [UInt8] = []
        for _ in 0..<height { raw += [0] + (0..<width).flatMap { _ in sample } }
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [depth, colourType, 0, 0, 0])
        if kind == .palette { png += chunk("PLTE", [0, 0, 0, 255, 255, 255]) }
        png += chunk("IDAT", storedZlib(raw))
        png += chunk("IEND", [])
        return Data(png)
    }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }

    static func storedZlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        // One block at least: an empty image still needs a final (empty) block.
        let blocks = Array(stride(from: 0, to: max(data.count, 1), by: 65_535))
        for (k, start) in blocks.enumerated() {
            let block = data[start..<min(start + 65_535, data.count)]
            let n = UInt16(block.count)
            out += [k == blocks.count - 1 ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + block
        }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        return out + bigEndian(b << 16 | a)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
}
