import Foundation
import Media
public import Stability

/// The compare page (ranking, bars, per-frame curves, face measures, worst pairs), shared by
/// `nicer compare` and `nicer refine`'s report.
public enum ComparePage {
    public static func page(_ report: ComparisonReport, worst: [String: WorstPair], faces: FaceComparisonReport?,
                            title: String? = nil) throws -> HTMLReport {
        var page = HTMLReport(title: title ?? "nicer compare: stability of \(report.proxies.count) proxies")
        page.paragraph("Target \(report.target); flow \(report.flow); mask \(report.mask). e_stab values are comparable only under the same flow and mask.")
        page.heading("Ranking (steadiest first)")
        let truth = report.proxies.contains { $0.truthPSNR != nil }
        page.table(header: ["rank", "proxy", "kind", "year", "e_stab", "worst pair"] + (truth ? ["PSNR to truth (dB)"] : []),
                   rows: report.ranking.enumerated().map { rank, name in
                       let p = report.proxies.first { $0.name == name }!
                       return ["\(rank + 1)", name, p.source?.kind ?? "unknown", p.source.map { String($0.year) } ?? "",
                               String(format: "%.6g", p.mean), p.worstFrame.map { "\($0 - 1)→\($0)" } ?? ""]
                           + (truth ? [p.truthPSNR.map { String(format: "%.2f", $0) } ?? ""] : [])
                   })
        let order = report.ranking.map { name in report.proxies.firstIndex { $0.name == name }! }
        page.barChart(order.map { (report.proxies[$0].name, report.proxies[$0].mean) }, colours: order)
        page.heading("e_stab per frame pair")
        page.lineChart(report.proxies.map { ($0.name, $0.frames) }, xLabel: "frame pair (t−1, t)", yLabel: "e_stab")
        if let faces {
            page.heading("Faces (landmarks in the target's tracked box)")
            page.table(header: ["video", "eye opening off target", "mouth opening off target", "landmark jitter", "identity consistency",
                                "identity vs", "identity to photos"],
                       rows: faces.videos.map { m in
                           [m.name, String(format: "%.4f", m.eyeConsistency), String(format: "%.4f", m.mouthConsistency),
                            String(format: "%.4f", m.jitter), String(format: "%.4f", m.identityConsistency),
                            m.identityVersus.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", "),
                            m.identityToPhotos.map { String(format: "%.4f", $0) } ?? ""]
                       } + [["target", "", "", String(format: "%.4f", faces.targetJitter), "", "", ""]])
        }
        page.heading("Worst pair of each video")
        var thumbs: [HTMLReport.Thumbnail] = []
        for p in report.proxies {
            guard let pair = worst[p.name], let t = p.worstFrame else { continue }
            thumbs.append(.init(caption: "\(p.name): frame \(t - 1)", png: try PNG.encode(pair.previous)))
            thumbs.append(.init(caption: "\(p.name): frame \(t)", png: try PNG.encode(pair.current)))
            thumbs.append(.init(caption: "\(p.name): warping error \(t - 1)→\(t)", png: try PNG.encode(pair.errorMap)))
        }
        page.thumbnails(thumbs)
        return page
    }
}
