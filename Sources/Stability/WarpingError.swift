public import Flow
public import Tensor

/// Lai et al.'s warping error restricted to the face, for one pair of consecutive frames:
///
///     e(t) = Σ_x M(x)·(1 − occ(x))·Σ_c (O_t(x + fw(x))_c − O_{t−1}(x)_c)² / (3 · Σ_x M(x)·(1 − occ(x)))
///
/// with fw the flow t−1 → t computed on the *target* (the swap must follow the original's
/// motion), occ Lai's occlusion mask from fw and the backward flow, M the face mask of frame
/// t−1 in [0, 1], and RGB in [0, 1]. nil when no pixel is both in the mask and visible.
///
/// The flow may be computed in a window of the frame that holds the whole mask (`FlowWindow`):
/// the sum only runs over the mask, and a face in a 1080p frame is a tenth of its pixels.
public struct WarpingError: Sendable {
    public let flow: DISOpticalFlow

    public init(preset: DISOpticalFlow.Preset = .medium) { flow = DISOpticalFlow(preset) }

    /// Forward flow, backward flow and occlusion for one target pair (cache these per target),
    /// in `window` of a frameWidth × frameHeight frame.
    public struct Motion: Sendable {
        public let forward: FlowField
        public let occluded: [Float]
        public let window: FlowWindow
        public let frameWidth: Int
        public let frameHeight: Int
    }

    /// `window`: where to compute the flow (nil: the whole frame); it must hold every pixel of
    /// the masks later scored on this motion.
    public func motion(previousTarget: Image8, target: Image8, window: FlowWindow? = nil) -> Motion {
        let w = target.width, h = target.height
        let box = window ?? FlowWindow(x: 0, y: 0, width: w, height: h)
        let a = GrayImage(box.crop(previousTarget)), b = GrayImage(box.crop(target))
        let forward = flow.flow(from: a, to: b), backward = flow.flow(from: b, to: a)
        return Motion(forward: forward, occluded: laiOcclusion(forward: forward, backward: backward),
                      window: box, frameWidth: w, frameHeight: h)
    }

    public func error(motion: Motion, previousOutput: Image8, output: Image8, mask: [Float]?) -> Double? {
        let w = output.width, box = motion.window
        let d2 = squaredDifferences(motion: motion, previousOutput: previousOutput, output: output)
        var sum = 0.0, weight = 0.0
        for y in 0..<box.height {
            for x in 0..<box.width {
                let i = y * box.width + x
                let m = Double(mask?[(box.y + y) * w + box.x + x] ?? 1) * Double(1 - motion.occluded[i])
                guard m > 0 else { continue }
                sum += m * d2[i]
                weight += m
            }
        }
        return weight > 0 ? sum / (3 * weight) : nil
    }

    /// The per-pixel error behind `error`, frame-sized: (1−occ)·|W(O_t) − O_{t−1}|² averaged over
    /// RGB, 0 outside the flow window (the mask is not applied, so a seam beside it still shows).
    public func errorMap(motion: Motion, previousOutput: Image8, output: Image8) -> [Float] {
        let w = output.width, box = motion.window
        let d2 = squaredDifferences(motion: motion, previousOutput: previousOutput, output: output)
        var map = [Float](repeating: 0, count: w * output.height)
        for y in 0..<box.height {
            for x in 0..<box.width {
                let i = y * box.width + x
                map[(box.y + y) * w + box.x + x] = (1 - motion.occluded[i]) * Float(d2[i] / 3)
            }
        }
        return map
    }

    /// Σ_c (W(O_t) − O_{t−1})² at each pixel of the flow window, O in [0, 1].
    private func squaredDifferences(motion: Motion, previousOutput: Image8, output: Image8) -> [Double] {
        let box = motion.window
        precondition(previousOutput.width == output.width && output.width == motion.frameWidth && output.height == motion.frameHeight,
                     "sizes differ")
        let current = planes(box.crop(output)), previous = planes(box.crop(previousOutput))
        let warped = motion.forward.warp(current)
        return (0..<(box.width * box.height)).map { i in
            var d2 = 0.0
            for c in 0..<3 {
                let d = Double(warped[c].data[i] - previous[c].data[i])
                d2 += d * d
            }
            return d2
        }
    }

    private func planes(_ image: Image8) -> [GrayImage] {
        (0..<3).map { c in
            GrayImage(width: image.width, height: image.height,
                      data: (0..<(image.width * image.height)).map { Float(image.pixels[$0 * image.channels + c]) / 255 })
        }
    }
}

/// The part of the frame the flow is computed in: the mask's bounding box grown by a margin on
/// every side (so motion near the face's edge still finds its match inside), clipped to the frame.
public struct FlowWindow: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        precondition(width > 0 && height > 0, "empty flow window")
        (self.x, self.y, self.width, self.height) = (x, y, width, height)
    }

    /// Margin on each side: this fraction of the box's longer side, and at least `minimumMargin` pixels.
    public static let marginFraction = 0.25
    public static let minimumMargin = 32

    /// The window around the pixels where `mask` > 0, or nil when there are none.
    public static func around(mask: [Float], width: Int, height: Int) -> FlowWindow? {
        var left = width, top = height, right = -1, bottom = -1
        for y in 0..<height {
            for x in 0..<width where mask[y * width + x] > 0 {
                left = min(left, x); right = max(right, x); top = min(top, y); bottom = max(bottom, y)
            }
        }
        guard right >= 0 else { return nil }
        let margin = max(minimumMargin, Int((marginFraction * Double(max(right - left, bottom - top) + 1)).rounded(.up)))
        let x0 = max(0, left - margin), y0 = max(0, top - margin)
        let x1 = min(width - 1, right + margin), y1 = min(height - 1, bottom + margin)
        return FlowWindow(x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1)
    }

    /// This window of `image` (the image itself when the window is the whole frame).
    public func crop(_ image: Image8) -> Image8 {
        if x == 0, y == 0, width == image.width, height == image.height { return image }
        precondition(x >= 0 && y >= 0 && x + width <= image.width && y + height <= image.height, "window outside the frame")
        let c = image.channels
        var out = Image8(width: width, height: height, channels: c)
        image.pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for row in 0..<height {
                    let from = ((y + row) * image.width + x) * c
                    for k in 0..<(width * c) { dst[row * width * c + k] = src[from + k] }
                }
            }
        }
        return out
    }
}
