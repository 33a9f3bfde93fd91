import Tensor

/// A square window of a training crop, at the crop's own resolution: what the coarse epochs
/// train on under `--coarse-input patch`, instead of the whole crop shrunk to half its side. The
/// same quarter of the pixels a step, but the face at the scale it is rendered at, so the change
/// to whole crops changes the context and not the scale of every feature.
struct TrainingPatch: Equatable {
    let x: Int
    let y: Int
    let side: Int

    /// A `side`-wide window of an n×n crop whose centre is drawn uniformly from the box of the
    /// region's nonzero positions (the whole crop when it has none), kept inside the crop.
    static func draw(in region: [Float], n: Int, side: Int, using random: inout SplitMix64) -> TrainingPatch {
        precondition(region.count == n * n && (1...n).contains(side))
        var x0 = n, y0 = n, x1 = -1, y1 = -1
        for y in 0..<n {
            for x in 0..<n where region[y * n + x] > 0 {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        if x1 < 0 { (x0, y0, x1, y1) = (0, 0, n - 1, n - 1) }
        let cx = x0 + Int(random.uniform() * Double(x1 - x0 + 1)), cy = y0 + Int(random.uniform() * Double(y1 - y0 + 1))
        return TrainingPatch(x: min(max(cx - side / 2, 0), n - side), y: min(max(cy - side / 2, 0), n - side), side: side)
    }

    func cut(_ image: Image8) -> Image8 {
        let c = image.channels
        var pixels = [UInt8](repeating: 0, count: side * side * c)
        for row in 0..<side {
            let from = ((y + row) * image.width + x) * c
            pixels.replaceSubrange(row * side * c..<(row + 1) * side * c, with: image.pixels[from..<from + side * c])
        }
        return Image8(width: side, height: side, channels: c, pixels: pixels)
    }

    /// The window of an n-wide plane of values.
    func cut(_ plane: [Float], width n: Int) -> [Float] {
        var window: [Float] = []
        window.reserveCapacity(side * side)
        for row in 0..<side {
            let from = (y + row) * n + x
            window += plane[from..<from + side]
        }
        return window
    }
}
