import Foundation
public import Stability

/// refine's report.html: the compare page of proxy, refined and target, then the warnings, the
/// flicker summary, each segment's training curves and what shaped the fit. Refine fills it in;
/// the wording and the layout are here.
public struct RefinePage {
    public struct Segment {
        public var first: Int, last: Int
        public var bestEpoch: Int?
        public var stopReason: String?
        public var proxyEStabCrops: Double, targetEStabCrops: Double
        /// The 3D prior's withdrawal by the collapse guard, as a sentence, and the epochs it discarded.
        public var withdrawal: String?
        public var discarded: [(epoch: Int, correction: Double?)] = []
        /// Per epoch (nil where an epoch was not scored).
        public var eStab: [Double?], fidelity: [Double?], score: [Double?]
        public var priorTerms: [(name: String, values: [Double?])] = []
        public var priorBalance: [Double?] = []

        public init(first: Int, last: Int, bestEpoch: Int?, stopReason: String?, proxyEStabCrops: Double, targetEStabCrops: Double,
                    eStab: [Double?], fidelity: [Double?], score: [Double?]) {
            (self.first, self.last, self.bestEpoch, self.stopReason, self.proxyEStabCrops, self.targetEStabCrops) =
                (first, last, bestEpoch, stopReason, proxyEStabCrops, targetEStabCrops)
            (self.eStab, self.fidelity, self.score) = (eStab, fidelity, score)
        }
    }

    public var proxyName: String
    public var comparison: ComparisonReport
    public var worst: [String: WorstPair]
    public var faces: FaceComparisonReport?
    public var warnings: [String]
    public var flicker: FlickerSummary
    public var segments: [Segment]
    public var prior: String
    public var priorFitError: Double?
    public var shapeDistance: Double?
    public var features: String
    public var region: String
    public var cropSide: Int
    public var cropReason: String

    public init(proxyName: String, comparison: ComparisonReport, worst: [String: WorstPair], faces: FaceComparisonReport?,
                warnings: [String], flicker: FlickerSummary, segments: [Segment], prior: String, priorFitError: Double?,
                shapeDistance: Double?, features: String, region: String, cropSide: Int, cropReason: String) {
        (self.proxyName, self.comparison, self.worst, self.faces, self.warnings, self.flicker, self.segments) =
            (proxyName, comparison, worst, faces, warnings, flicker, segments)
        (self.prior, self.priorFitError, self.shapeDistance, self.features, self.region, self.cropSide, self.cropReason) =
            (prior, priorFitError, shapeDistance, features, region, cropSide, cropReason)
    }

    public func render() throws -> String {
        var page = try ComparePage.page(comparison, worst: worst, faces: faces, title: "nicer refine: \(proxyName) → refined")
        for warning in warnings { page.paragraph("Warning: " + warning + ".") }
        let f = flicker
        page.paragraph(String(format: "e_stab in the paste mask, median over %d frame pairs (mean): target %.3g (%.3g), %@ %.3g (%.3g), refined %.3g (%.3g)",
                              f.pairs, f.target.median, f.target.mean, proxyName, f.proxy.median, f.proxy.mean, f.refined.median, f.refined.mean)
                       + (f.extraFlickerRemoved.map { String(format: "; %.0f %% of the swap's extra flicker removed", 100 * $0) } ?? "")
                       + String(format: "; %.1f %% of pairs flicker more than 1.5× both swap and target.", 100 * f.pairsWorseThanBoth))
        page.heading("Training")
        for (k, s) in segments.enumerated() {
            page.paragraph("Segment \(k + 1), frames \(s.first)…\(s.last): best epoch \(s.bestEpoch.map(String.init) ?? "–"), stopped: \(s.stopReason ?? "–"). Monitor crops: proxy e_stab \(String(format: "%.4g", s.proxyEStabCrops)), target e_stab \(String(format: "%.4g", s.targetEStabCrops)).")
            if let withdrawal = s.withdrawal {
                page.paragraph("3D prior " + withdrawal + ". Epochs trained with it and discarded: \(s.discarded.map { String(format: "%d (correction %.2f)", $0.epoch, $0.correction ?? 0) }.joined(separator: ", ")).")
            }
            page.lineChart([("e_stab", s.eStab)], xLabel: "epoch", yLabel: "e_stab (monitor pairs)")
            page.lineChart([("fidelity dB", s.fidelity), ("score", s.score)], xLabel: "epoch", yLabel: "dB")
            if !s.priorTerms.isEmpty {
                page.lineChart(s.priorTerms.map { ($0.name, $0.values) }, xLabel: "epoch", yLabel: "3D prior terms (weighted)")
                page.lineChart([("m", s.priorBalance)], xLabel: "epoch", yLabel: "prior balance m = mean e^(−s)")
            }
        }
        var priorLine = "3D prior: \(prior)."
        let withdrawn = segments.indices.filter { segments[$0].withdrawal != nil }.map { String($0 + 1) }
        if !withdrawn.isEmpty { priorLine += " Withdrawn by the collapse guard in segment \(withdrawn.joined(separator: ", "))." }
        if let priorFitError { priorLine += String(format: " FLAME fit: RMS landmark error %.2f px.", priorFitError) }
        if let shapeDistance { priorLine += String(format: " Shape distance to the identity photos: %.3f.", shapeDistance) }
        page.paragraph(priorLine + " Features: \(features). Region: \(region). Crops: \(cropSide)² (\(cropReason)).")
        return page.render()
    }
}
