public import Tensor

/// Single-channel Float image, row-major: `data[y * width + x]`. Flow works on luma in 0…255.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var data: [Float]

    public init(width: Int, height: Int, data: [Float]) {
        precondition(width > 0 && height > 0 && data.count == width * height, "bad gray image shape")
        self.width = width
        self.height = height
        self.data = data
    }

    public init(width: Int, height: Int, fill: Float = 0) {
        self.init(width: width, height: height, data: [Float](repeating: fill, count: width * height))
    }

    /// Luma (BT.601 weights, as OpenCV's RGB→gray) of an RGB image, or the channel of a gray one.
    public init(_ image: Image8) {
        var data = [Float](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { p in
            if image.channels < 3 {
                for i in data.indices { data[i] = Float(p[i * image.channels]) }
            } else {
                for i in data.indices {
                    let o = i * image.channels
                    data[i] = 0.299 * Float(p[o]) + 0.587 * Float(p[o + 1]) + 0.114 * Float(p[o + 2])
                }
            }
        }
        self.init(width: image.width, height: image.height, data: data)
    }

    @inline(__always) public subscript(x: Int, y: Int) -> Float {
        get { data[y * width + x] }
        set { data[y * width + x] = newValue }
    }

    /// Bilinear sample at (x, y) with the border replicated (as Lai et al.'s Resample2d does).
    @inline(__always)
    public func sample(_ x: Float, _ y: Float) -> Float {
        let cx = min(max(x, 0), Float(width - 1)), cy = min(max(y, 0), Float(height - 1))
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let fx = cx - Float(x0), fy = cy - Float(y0)
        return data.withUnsafeBufferPointer { d in
            let top = d[y0 * width + x0] + (d[y0 * width + x1] - d[y0 * width + x0]) * fx
            let bottom = d[y1 * width + x0] + (d[y1 * width + x1] - d[y1 * width + x0]) * fx
            return top + (bottom - top) * fy
        }
    }

    /// Half size by 2×2 averaging (an odd last row or column is dropped).
    public func halved() -> GrayImage {
        let w = max(1, width / 2), h = max(1, height / 2)
        var out = [Float](repeating: 0, count: w * h)
        data.withUnsafeBufferPointer { d in
            for y in 0..<h {
                let r0 = min(2 * y, height - 1) * width, r1 = min(2 * y + 1, height - 1) * width
                for x in 0..<w {
                    let x0 = min(2 * x, width - 1), x1 = min(2 * x + 1, width - 1)
                    out[y * w + x] = 0.25 * (d[r0 + x0] + d[r0 + x1] + d[r1 + x0] + d[r1 + x1])
                }
            }
        }
        return GrayImage(width: w, height: h, data: out)
    }

    /// Sobel derivatives normalised to intensity per pixel (the 3×3 kernel ÷ 8): central
    /// differences of the image smoothed by [1 2 1]/4 across them, borders replicated.
    public func sobelGradients() -> (x: GrayImage, y: GrayImage) {
        var gx = smoothed(vertically: true).centralDifferences().x, gy = smoothed(vertically: false).centralDifferences().y
        for i in data.indices {
            gx.data[i] *= 0.5
            gy.data[i] *= 0.5
        }
        return (gx, gy)
    }

    /// [1 2 1]/4 along columns (vertically) or rows, border replicated.
    func smoothed(vertically: Bool) -> GrayImage {
        var out = self
        data.withUnsafeBufferPointer { d in
            for y in 0..<height {
                for x in 0..<width {
                    let (a, b) = vertically
                        ? (d[max(y - 1, 0) * width + x], d[min(y + 1, height - 1) * width + x])
                        : (d[y * width + max(x - 1, 0)], d[y * width + min(x + 1, width - 1)])
                    out.data[y * width + x] = 0.25 * (a + 2 * d[y * width + x] + b)
                }
            }
        }
        return out
    }

    /// Undivided central differences (x[i+1] − x[i−1], border replicated, so x[1] − x[0] at the
    /// edge): OpenCV's Sobel with aperture 1, which its variational refinement uses.
    public func centralDifferences() -> (x: GrayImage, y: GrayImage) {
        var gx = [Float](repeating: 0, count: data.count), gy = gx
        data.withUnsafeBufferPointer { d in
            for y in 0..<height {
                let up = max(y - 1, 0) * width, mid = y * width, down = min(y + 1, height - 1) * width
                for x in 0..<width {
                    gx[mid + x] = d[mid + min(x + 1, width - 1)] - d[mid + max(x - 1, 0)]
                    gy[mid + x] = d[down + x] - d[up + x]
                }
            }
        }
        return (GrayImage(width: width, height: height, data: gx), GrayImage(width: width, height: height, data: gy))
    }
}

/// A dense 2-D motion field: pixel (x, y) of the first frame moves to (x + u, y + v) in the second.
public struct FlowField: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var u: [Float]
    public var v: [Float]

    public init(width: Int, height: Int, u: [Float], v: [Float]) {
        precondition(u.count == width * height && v.count == u.count, "bad flow shape")
        self.width = width
        self.height = height
        self.u = u
        self.v = v
    }

    public init(width: Int, height: Int) {
        self.init(width: width, height: height, u: [Float](repeating: 0, count: width * height),
                  v: [Float](repeating: 0, count: width * height))
    }

    /// Bilinear resize to (width, height), vectors scaled by the size ratio.
    public func resized(width w: Int, height h: Int) -> FlowField {
        let sx = Float(width) / Float(w), sy = Float(height) / Float(h)
        let uImage = GrayImage(width: width, height: height, data: u), vImage = GrayImage(width: width, height: height, data: v)
        var out = FlowField(width: w, height: h)
        for y in 0..<h {
            let fy = (Float(y) + 0.5) * sy - 0.5
            for x in 0..<w {
                let fx = (Float(x) + 0.5) * sx - 0.5
                out.u[y * w + x] = uImage.sample(fx, fy) / sx
                out.v[y * w + x] = vImage.sample(fx, fy) / sy
            }
        }
        return out
    }

    /// Mean end-point error against a reference, ignoring `border` pixels on every side.
    public func endPointError(to other: FlowField, border: Int = 0) -> Double {
        precondition(other.width == width && other.height == height, "flow sizes differ")
        var sum = 0.0, count = 0
        for y in border..<(height - border) {
            for x in border..<(width - border) {
                let i = y * width + x
                let du = Double(u[i] - other.u[i]), dv = Double(v[i] - other.v[i])
                sum += (du * du + dv * dv).squareRoot()
                count += 1
            }
        }
        return count > 0 ? sum / Double(count) : 0
    }
}
