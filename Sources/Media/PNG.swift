import Foundation
internal import CPNG
public import Tensor

/// Interleaved 16-bit image (`samples[(y * width + x) * channels + c]`), for 16-bit PNGs.
public struct Image16: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var samples: [UInt16]

    public init(width: Int, height: Int, channels: Int, samples: [UInt16]) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels), "bad image shape")
        precondition(samples.count == width * height * channels, "sample count does not match shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.samples = samples
    }
}

/// A decoded PNG at its own bit depth. Channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
public enum PNGImage: Equatable, Sendable {
    case eightBit(Image8)
    case sixteenBit(Image16)

    public var width: Int {
        switch self { case .eightBit(let i): i.width; case .sixteenBit(let i): i.width }
    }
    public var height: Int {
        switch self { case .eightBit(let i): i.height; case .sixteenBit(let i): i.height }
    }
    public var channels: Int {
        switch self { case .eightBit(let i): i.channels; case .sixteenBit(let i): i.channels }
    }

    /// 8-bit view: 16-bit samples are scaled by 255/65535 and rounded.
    public var image8: Image8 {
        switch self {
        case .eightBit(let i): return i
        case .sixteenBit(let i):
            return Image8(width: i.width, height: i.height, channels: i.channels,
                          pixels: i.samples.map { UInt8((UInt32($0) * 255 + 32767) / 65535) })
        }
    }
}

/// PNG files through libpng, at the file's own depth: 16-bit samples are kept exactly as stored
/// (no gamma or premultiplication). Palettes and low-bit gray are expanded to 8 bits on read.
public enum PNG {
    public static func read(_ path: String) throws -> PNGImage {
        var width: UInt32 = 0, height: UInt32 = 0
        var channels: Int32 = 0, depth: Int32 = 0
        var pixels: UnsafeMutableRawPointer? = nil
        var message = [CChar](repeating: 0, count: 320)
        guard cpng_read(path, &width, &height, &channels, &depth, &pixels, &message, message.count) == 0,
              let pixels else {
            throw MediaError(.badInput, call: "cpng_read", path: path, reason: text(message))
        }
        defer { free(pixels) }
        let w = Int(width), h = Int(height), c = Int(channels)
        guard (1...4).contains(c), w > 0, h > 0 else {
            throw MediaError(.unsupported, call: "cpng_read", path: path, reason: "\(c) channels at \(depth) bits")
        }
        let count = w * h * c
        if depth == 16 {
            let samples = Array(UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt16.self), count: count))
            return .sixteenBit(Image16(width: w, height: h, channels: c, samples: samples))
        }
        let bytes = Array(UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt8.self), count: count))
        return .eightBit(Image8(width: w, height: h, channels: c, pixels: bytes))
    }

    public static func write(_ image: Image8, to path: String) throws {
        try image.pixels.withUnsafeBytes {
            try write(width: image.width, height: image.height, channels: image.channels, depth: 8,
                      bytes: $0.baseAddress!, to: path)
        }
    }

    /// The PNG file bytes of an image (for embedding, e.g. as a data URI).
    public static func encode(_ image: Image8) throws -> Data {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("nicer-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).png").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try write(image, to: path)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MediaError(.output, call: "read", path: path, reason: "cannot read back the encoded PNG")
        }
        return data
    }

    public static func write(_ image: Image16, to path: String) throws {
        try image.samples.withUnsafeBytes {
            try write(width: image.width, height: image.height, channels: image.channels, depth: 16,
                      bytes: $0.baseAddress!, to: path)
        }
    }

    private static func write(width: Int, height: Int, channels: Int, depth: Int32, bytes: UnsafeRawPointer,
                              to path: String) throws {
        var message = [CChar](repeating: 0, count: 320)
        guard cpng_write(path, UInt32(width), UInt32(height), Int32(channels), depth, bytes, &message,
                         message.count) == 0 else {
            throw MediaError(.output, call: "cpng_write", path: path, reason: text(message))
        }
    }

    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
