/// Frame types shared by media I/O, the synthetic test bed and (later) flow and training.
///
/// Two layouts, because the two consumers want different things: codecs and PNG speak interleaved
/// 8-bit (HWC), networks and flow want planar Float32 in [0, 1] (CHW).

/// Interleaved 8-bit image: `pixels[(y * width + x) * channels + c]`.
public struct Image8: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && (1...4).contains(channels), "bad image shape")
        precondition(pixels.count == width * height * channels, "pixel count does not match shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: fill, count: width * height * channels))
    }

    public subscript(x x: Int, y y: Int, c c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }
}

/// Planar Float32 image, values nominally in [0, 1]: `data[(c * height + y) * width + x]`.
public struct PlanarImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var data: [Float]

    public init(width: Int, height: Int, channels: Int, data: [Float]) {
        precondition(width > 0 && height > 0 && channels > 0, "bad image shape")
        precondition(data.count == width * height * channels, "value count does not match shape")
        self.width = width
        self.height = height
        self.channels = channels
        self.data = data
    }

    public init(width: Int, height: Int, channels: Int, fill: Float = 0) {
        self.init(width: width, height: height, channels: channels,
                  data: [Float](repeating: fill, count: width * height * channels))
    }

    public subscript(x x: Int, y y: Int, c c: Int) -> Float {
        get { data[(c * height + y) * width + x] }
        set { data[(c * height + y) * width + x] = newValue }
    }
}

extension Image8 {
    /// Planar Float32 copy, each byte mapped to v / 255.
    public func planar() -> PlanarImage {
        var out = [Float](repeating: 0, count: pixels.count)
        let plane = width * height
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<plane {
                    for c in 0..<channels {
                        dst[c * plane + i] = Float(src[i * channels + c]) * (1 / 255)
                    }
                }
            }
        }
        return PlanarImage(width: width, height: height, channels: channels, data: out)
    }
}

extension PlanarImage {
    /// Interleaved 8-bit copy, clamped to [0, 1] and rounded to the nearest level.
    public func quantized() -> Image8 {
        let plane = width * height
        var out = [UInt8](repeating: 0, count: data.count)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<plane {
                    for c in 0..<channels {
                        dst[i * channels + c] = quantize(src[c * plane + i])
                    }
                }
            }
        }
        return Image8(width: width, height: height, channels: channels, pixels: out)
    }
}

/// Maps [0, 1] to 0...255 with rounding; NaN maps to 0.
@inline(__always)
public func quantize(_ v: Float) -> UInt8 {
    let scaled = (v * 255).rounded()
    guard scaled > 0 else { return 0 }
    return scaled >= 255 ? 255 : UInt8(scaled)
}
