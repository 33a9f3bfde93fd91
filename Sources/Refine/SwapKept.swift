/// How much of the swap the refined video kept: RMS(refined − target) / RMS(proxy − target) over
/// the clip in the paste masks. 1: all of the swap's change from the original; 0: the original
/// itself. A fit can look like a success by e_stab alone when it has gone back towards the
/// original, since the original is steady; this says so.
public struct SwapKept: Sendable {
    private var refined = 0.0, swap = 0.0

    /// Below it the report warns: below half, the refined face is nearer the original than the
    /// swap. At the defaults the DeepFaceLive pairs and FF++ 519 kept 0.89–0.96 (monitor frames);
    /// FF++ 004 (NeuralTextures) 0.45 over 250 frames at 1080p, whose refined face visibly follows
    /// the original's eyes, 0.60 over 100 frames at 720p (docs/real-footage.md).
    public static let warnBelow = 0.5

    public init() {}

    /// One frame: target, proxy and refined interleaved RGB bytes, `mask` the paste mask (nil: all).
    public mutating func add(target: [UInt8], proxy: [UInt8], refined output: [UInt8], mask: [Float]?) {
        var r = 0.0, s = 0.0
        for i in 0..<(target.count / 3) {
            let m = Double(mask?[i] ?? 1)
            guard m > 0 else { continue }
            for c in 0..<3 {
                let t = Double(target[i * 3 + c])
                let dr = Double(output[i * 3 + c]) - t, ds = Double(proxy[i * 3 + c]) - t
                r += m * dr * dr
                s += m * ds * ds
            }
        }
        refined += r
        swap += s
    }

    /// nil when the proxy equals the target in the masks (nothing was swapped there).
    public var ratio: Double? { swap > 0 ? (refined / swap).squareRoot() : nil }

    public static func warning(_ ratio: Double?) -> String? {
        guard let ratio, ratio < warnBelow else { return nil }
        return String(format: "the refined face keeps only %.0f %% of the swap's difference from the original (RMS in the paste masks): "
                      + "it is nearer the original than the swap, and part of the flicker it removed is the swap's own change", 100 * ratio)
    }
}
