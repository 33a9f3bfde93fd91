import Foundation
import Media
import Stability

/// Whether the proxy shows the target's picture. A swap changes the face and keeps the rest of
/// the frame, so the two frames' layouts agree: on every real pair measured (39 DeepFaceLive, 2
/// FF++) the correlation of their 32×32 grey thumbnails was 0.79 or more on every frame, median
/// 0.86–1.00. Two files in ../shared/data/dfl are not pairs (the capture was one wide picture, not
/// two side by side, so its "swap" half shows the room beside the face): median −0.38 and −0.12.
/// Refining such a pair fits the network to the wrong picture and delivers a blur (Nicola_Badge_2:
/// fidelity 19 dB, no face left); it is refused before any work (docs/real-footage.md, "Pixels × steps, and two
/// files that are not pairs").
public enum PairCheck {
    /// Pearson correlation of two thumbnails (`Segmentation.thumbnail`); nil when either is flat
    /// (a black or faded frame says nothing about the layout).
    public static func correlation(_ a: [Float], _ b: [Float]) -> Double? {
        precondition(a.count == b.count && !a.isEmpty)
        let n = Double(a.count)
        let meanA = a.reduce(0) { $0 + Double($1) } / n, meanB = b.reduce(0) { $0 + Double($1) } / n
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let x = Double(a[i]) - meanA, y = Double(b[i]) - meanB
            ab += x * y; aa += x * x; bb += y * y
        }
        // Under one grey level RMS over the thumbnail: flat.
        let flat = n * (1.0 / 255) * (1.0 / 255)
        guard aa > flat, bb > flat else { return nil }
        return ab / (aa * bb).squareRoot()
    }

    /// The median of the frames' correlations (flat frames left out); nil when every frame was flat.
    public static func median(_ correlations: [Double?]) -> Double? {
        let known = correlations.compactMap { $0 }
        return known.isEmpty ? nil : FlickerSummary.median(known)
    }

    /// Throws when the median correlation is under `minimum` (0: never).
    public static func check(_ correlations: [Double?], minimum: Double, target: String, proxy: String) throws {
        guard minimum > 0, let median = median(correlations), median < minimum else { return }
        throw PipelineError("proxy \(proxy) does not show target \(target)'s picture: their frames correlate at r = "
            + String(format: "%.2f", median) + " (median over \(correlations.count) frames; a swap keeps everything but the face, "
            + "r ≥ 0.8 on real swaps). Is it another clip, or the other half of a side-by-side capture? "
            + "(--pair-correlation 0 refines it anyway)")
    }
}
