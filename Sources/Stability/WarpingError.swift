public import Flow
public import Tensor

/// Lai et al.'s warping error restricted to the face, for one pair of consecutive frames:
///
///     e(t) = Σ_x M(x)·(1 − occ(x))·Σ_c (O_t(x + fw(x))_c − O_{t−1}(x)_c)² / (3 · Σ_x M(x)·(1 − occ(x)))
///
/// with fw the flow t−1 → t computed on the *target* (the swap must follow the original's
/// motion), occ Lai's occlusion mask from fw and the backward flow, M the face mask of frame
/// t−1 in [0, 1], and RGB in [0, 1]. nil when no pixel is both in the mask and visible.
public struct WarpingError: Sendable {
    public let flow: DISOpticalFlow

    public init(preset: DISOpticalFlow.Preset = .medium) { flow = DISOpticalFlow(preset) }

    /// Forward flow, backward flow and occlusion for one target pair (cache these per target).
    public struct Motion: Sendable {
        public let forward: FlowField
        public let occluded: [Float]
    }

    public func motion(previousTarget: Image8, target: Image8) -> Motion {
        let a = GrayImage(previousTarget), b = GrayImage(target)
        let forward = flow.flow(from: a, to: b), backward = flow.flow(from: b, to: a)
        return Motion(forward: forward, occluded: laiOcclusion(forward: forward, backward: backward))
    }

    public func error(motion: Motion, previousOutput: Image8, output: Image8, mask: [Float]?) -> Double? {
        let w = output.width, h = output.height
        precondition(previousOutput.width == w && motion.forward.width == w && motion.forward.height == h, "sizes differ")
        let current = planes(output), previous = planes(previousOutput)
        let warped = motion.forward.warp(current)
        var sum = 0.0, weight = 0.0
        for i in 0..<(w * h) {
            let m = Double(mask?[i] ?? 1) * Double(1 - motion.occluded[i])
            guard m > 0 else { continue }
            var d2 = 0.0
            for c in 0..<3 {
                let d = Double(warped[c].data[i] - previous[c].data[i])
                d2 += d * d
            }
            sum += m * d2
            weight += m
        }
        return weight > 0 ? sum / (3 * weight) : nil
    }

    private func planes(_ image: Image8) -> [GrayImage] {
        (0..<3).map { c in
            GrayImage(width: image.width, height: image.height,
                      data: (0..<(image.width * image.height)).map { Float(image.pixels[$0 * image.channels + c]) / 255 })
        }
    }
}
