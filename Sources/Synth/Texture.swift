import Tensor

/// A tiling-free single-channel texture of fractal value noise in [0, 1], sampled bilinearly.
/// Precomputed once per clip so that rendering a frame is a few lookups per pixel.
struct NoiseTexture {
    let size: Int
    private let values: [Float]

    /// `cells` is the coarsest lattice period in texels; `octaves` halve it each time.
    init(size: Int, seed: UInt64, cells: Double, octaves: Int) {
        self.size = size
        var values = [Float](repeating: 0, count: size * size)
        var amplitude = 1.0, total = 0.0, period = cells
        for octave in 0..<octaves {
            let octaveSeed = SplitMix64.mix(seed &+ UInt64(octave) &* 0x2545_F491_4F6C_DD1D)
            for y in 0..<size {
                for x in 0..<size {
                    values[y * size + x] += Float(amplitude * valueNoise(Double(x) / period, Double(y) / period, octaveSeed))
                }
            }
            total += amplitude
            amplitude *= 0.5
            period = max(1, period / 2)
        }
        let scale = Float(1 / total)
        self.values = values.map { $0 * scale }
    }

    /// Bilinear sample at texel coordinates, clamped at the border.
    func sample(_ x: Double, _ y: Double) -> Float {
        let limit = Double(size - 1)
        let cx = min(max(x, 0), limit), cy = min(max(y, 0), limit)
        let x0 = Int(cx), y0 = Int(cy)
        let x1 = min(x0 + 1, size - 1), y1 = min(y0 + 1, size - 1)
        let fx = Float(cx - Double(x0)), fy = Float(cy - Double(y0))
        let top = values[y0 * size + x0] * (1 - fx) + values[y0 * size + x1] * fx
        let bottom = values[y1 * size + x0] * (1 - fx) + values[y1 * size + x1] * fx
        return top * (1 - fy) + bottom * fy
    }
}

/// Smoothly interpolated hash lattice noise in [0, 1].
private func valueNoise(_ x: Double, _ y: Double, _ seed: UInt64) -> Double {
    let ix = Int(x.rounded(.down)), iy = Int(y.rounded(.down))
    let fx = smooth(x - Double(ix)), fy = smooth(y - Double(iy))
    func lattice(_ i: Int, _ j: Int) -> Double {
        Double(SplitMix64.mix(seed ^ SplitMix64.mix(UInt64(bitPattern: Int64(i)) &* 0x9E37_79B9 ^ UInt64(bitPattern: Int64(j)) &* 0x85EB_CA6B)) >> 11)
            * (1.0 / 9_007_199_254_740_992.0)
    }
    let top = lattice(ix, iy) * (1 - fx) + lattice(ix + 1, iy) * fx
    let bottom = lattice(ix, iy + 1) * (1 - fx) + lattice(ix + 1, iy + 1) * fx
    return top * (1 - fy) + bottom * fy
}

@inline(__always)
private func smooth(_ t: Double) -> Double { t * t * (3 - 2 * t) }

/// 0 below `edge0`, 1 above `edge1`, a smooth ramp between.
@inline(__always)
func smoothstep(_ edge0: Double, _ edge1: Double, _ x: Double) -> Double {
    let t = min(max((x - edge0) / (edge1 - edge0), 0), 1)
    return t * t * (3 - 2 * t)
}
