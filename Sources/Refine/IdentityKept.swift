import Stability

/// Whose identity the refined face carries, by the face measures' identity descriptors (dlib's
/// ResNet; mean cosine over the frames). A fit that has gone back to the original is steady and
/// can keep enough of the swap's colour for `SwapKept`, yet show the original's face:
/// Emily_Winston_1 at `--learning-rate 4e-4` came out at dlib distance 0.575 from the swap and
/// 0.221 from the original, and nothing said so (docs/real-footage.md).
public enum IdentityKept {
    /// The warning when the refined face is nearer the original's identity than the swap's.
    /// Judged only where the swap moved the identity well past its own frame-to-frame spread
    /// (1 − swap~original > `spread` × (1 − the swap's identity consistency)): where the swap kept
    /// the original's identity (NeuralTextures, some DeepFaceLive models) the refined face is near
    /// both and which is nearer is noise. Not judged against the refined face's distance to the
    /// swap: a fit all the way back to the original is exactly as far from the swap as the original.
    public static func warning(refinedSwap: Double, refinedTarget: Double, swapTarget: Double, swapConsistency: Double) -> String? {
        guard 1 - swapTarget > spread * (1 - swapConsistency), refinedTarget > refinedSwap else { return nil }
        return String(format: "the refined face is nearer the original's identity than the swap's (identity cosine %.3f to the original, "
                      + "%.3f to the swap; the swap's to the original %.3f): the fit went back towards the original", refinedTarget, refinedSwap, swapTarget)
    }

    /// How many times its own frame-to-frame spread the swap must differ from the original for the
    /// comparison to count. Emily_Winston_1: swap~original 0.929, the swap's consistency 0.995 (14×).
    public static let spread = 4.0

    /// The warning from the face measures (nil without them, or when the proxy is itself named
    /// like the target and the original's own descriptors were not taken).
    public static func warning(_ faces: FaceComparisonReport?, proxyName: String) -> String? {
        guard proxyName != FaceMeasurer.target, let faces,
              let refined = faces.videos.first(where: { $0.name == "refined" }),
              let swap = faces.videos.first(where: { $0.name == proxyName }),
              let rs = refined.identityVersus[proxyName], let rt = refined.identityVersus[FaceMeasurer.target],
              let st = swap.identityVersus[FaceMeasurer.target] else { return nil }
        return warning(refinedSwap: rs, refinedTarget: rt, swapTarget: st, swapConsistency: swap.identityConsistency)
    }
}
