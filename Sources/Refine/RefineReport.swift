import Foundation
import Stability

public struct RefineReport: Codable, Sendable {
    public struct Pass: Codable, Equatable, Sendable {
        public var stage: String
        /// The videos decoded, by role: target, proxy, refined.
        public var videos: [String]
    }

    public struct Segment: Codable, Sendable {
        public var frames: [Int]
        public var bestEpoch: Int?
        public var stopReason: String?
        public var proxyEStabCrops: Double
        public var targetEStabCrops: Double
        public var curve: [EpochRecord]
        /// Seconds of this run's training per part: network (forward, backward, Adam), loss
        /// (pixel and perceptual features), prior (3D terms), monitor, checkpoints.
        public var trainingSeconds: [String: Double]?
        /// Set when the collapse guard took the 3D prior out of this segment's fit.
        public var priorWithdrawal: PriorWithdrawal?
    }

    public var target: String
    public var proxy: String
    public var proxyName: String
    public var output: String
    /// Whose sound the refined video carries: the proxy's, else the target's, and the codec.
    public var audio: String
    /// How the proxy's frames were paired with the target's when not simply frame for frame at
    /// the same rate and size (another rate, `--align`'s repeats and skips, scaling); else nil.
    public var alignment: String?
    public var frames: Int
    public var size: String
    /// The training crops' side and why (the face's resolution in the frame, capped by --size).
    public var cropSize: CropSize
    /// refined.mp4's x264 quality and why (`OutputQuality`: finer than the inputs' own coding).
    public var encoding: OutputQuality?
    /// Which 3D face prior shaped the loss (FLAME, the landmark prior, or none and why).
    public var prior: String
    /// RMS landmark error of the FLAME fit in pixels (FLAME only).
    public var priorFitError: Double?
    /// Shape of the clip's face vs the identity photos' (FLAME: |β − β_id|; landmark prior: RMS
    /// 3D landmark difference over the face width). A metric: landmarks are not differentiable.
    public var shapeDistance: Double?
    public var features: String
    public var region: String
    /// e_stab over the whole clip in the paste mask (the face region and the swap's footprint,
    /// grown to include its outline; masks/), on the target's flow, before and after (means).
    public var eStabProxy: Double
    public var eStabRefined: Double
    /// Target, proxy and refined on that flow and mask: means, medians over frame pairs, the share
    /// of the swap's extra flicker removed, and whether the refined video is less stable.
    public var flicker: FlickerSummary
    /// What the summary line warns of (a refined video less stable than the proxy); empty when all is well.
    public var warnings: [String]
    /// PSNR of the refined video to the proxy inside the face mask (how much of the swap survives), dB.
    public var fidelity: Double
    /// RMS(refined − target) / RMS(proxy − target) in the paste masks (`SwapKept`): how much of the
    /// swap's change the refined video kept; warned of below 0.5. nil where proxy = target.
    public var swapKept: Double?
    /// Identity similarity, eye/mouth consistency and jitter (the face models must be installed and
    /// the detector must find the face); nil with the reason in `facesSkipped`.
    public var faces: FaceComparisonReport?
    public var facesSkipped: String?
    public var segments: [Segment]
    public var cuts: [Int]
    /// Seconds per stage: pairing, analysis, crops, prior, training, render (the fitted network
    /// over every crop), write (paste-back, encoding, masks, preview), scoring (e_stab and
    /// fidelity), faces (face measures, in the scoring pass).
    public var timings: [String: Double]
    /// Each pass over the clip, in order, with the videos it decodes (`passes.count` is the
    /// pass count; the training reads crops from the scratch store, not the videos).
    public var passes: [Pass]
    public var options: RefineOptions
}

extension RefineReport {
    /// What `nicer refine` prints when it is done (warnings go to standard error apart).
    public var summaryLines: [String] {
        let f = flicker
        var lines = [String(format: "e_stab: %@ %.6g -> refined %.6g (%.2fx); median over frame pairs %.3g -> %.3g (target %.3g)",
                            proxyName, eStabProxy, eStabRefined, eStabProxy / max(eStabRefined, 1e-12),
                            f.proxy.median, f.refined.median, f.target.median)
                     + (f.lessStableThanProxy ? " — WARNING: the refined video is LESS stable than the proxy" : ""),
                     String(format: "fidelity to the proxy in the face: %.2f dB%@; region: %@", fidelity,
                            swapKept.map { String(format: "; %.0f %% of the swap's change kept", 100 * $0) } ?? "", region)]
        for (k, s) in segments.enumerated() {
            lines.append("segment \(k + 1) (frames \(s.frames[0])…\(s.frames[1])): best epoch \(s.bestEpoch.map(String.init) ?? "-"), \(s.stopReason ?? "")")
            if let withdrawal = s.priorWithdrawal { lines.append("  3D prior " + withdrawal.summary) }
        }
        lines.append("prior: \(prior)")
        lines.append("crops: \(cropSize.side)² (\(cropSize.reason))")
        if let encoding { lines.append("encoded: \(encoding.reason)") }
        if let alignment { lines.append("aligned: \(alignment)") }
        if let facesSkipped { lines.append("face measures skipped: \(facesSkipped)") }
        let total = timings.values.reduce(0, +)
        lines.append(String(format: "time: %.0f s in %d passes over the clip (training %.0f s)", total, passes.count, timings["training"] ?? 0))
        return lines
    }
}
