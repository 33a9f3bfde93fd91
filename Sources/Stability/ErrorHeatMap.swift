public import Tensor

/// The per-pixel warping error drawn over the frame: the frame in dimmed grey, the error as heat
/// (dark red → yellow → white) on top, the mask's edge in cyan. How the outline seam of real
/// swaps was found: a flickering edge shows as a bright crescent.
public enum ErrorHeatMap {
    /// RMS RGB error (in [0, 1] units) drawn at full heat: 0.04, about 10 grey levels (a real
    /// swap's outline seam is a few grey levels; at 25 it barely showed).
    public static let fullScale: Float = 0.04

    /// `frame` (RGB) with `error` (frame-sized, squared RGB error as `WarpingError.errorMap`) and
    /// the 0.5 contour of `mask` (optional) drawn over it.
    public static func render(frame: Image8, error: [Float], mask: [Float]?) -> Image8 {
        let w = frame.width, h = frame.height
        var out = Image8(width: w, height: h, channels: 3)
        for i in 0..<(w * h) {
            let o = i * frame.channels
            let grey = (Float(frame.pixels[o]) + Float(frame.pixels[o + min(1, frame.channels - 1)]) + Float(frame.pixels[o + min(2, frame.channels - 1)])) / 3
            let heat = min(1, error[i].squareRoot() / fullScale)
            let base = 0.35 * grey
            // Heat ramp: red rises first, then green, then blue.
            let r = min(1, 3 * heat), g = min(1, max(0, 3 * heat - 1)), b = min(1, max(0, 3 * heat - 2))
            let a = min(1, 2 * heat)
            out.pixels[i * 3] = UInt8(min(255, base * (1 - a) + 255 * r * a))
            out.pixels[i * 3 + 1] = UInt8(min(255, base * (1 - a) + 255 * g * a))
            out.pixels[i * 3 + 2] = UInt8(min(255, base * (1 - a) + 255 * b * a))
        }
        if let mask {
            for y in 1..<max(1, h - 1) {
                for x in 1..<max(1, w - 1) {
                    let i = y * w + x, inside = mask[i] >= 0.5
                    guard inside, mask[i - 1] < 0.5 || mask[i + 1] < 0.5 || mask[i - w] < 0.5 || mask[i + w] < 0.5 else { continue }
                    out.pixels[i * 3] = 0; out.pixels[i * 3 + 1] = 200; out.pixels[i * 3 + 2] = 255
                }
            }
        }
        return out
    }
}
