import Foundation
import Reports
import Stability

/// The last stage: report.json, config.json (the resolved options) and report.html.
enum ReportStage {
    static func write(_ report: RefineReport, scores: ScoringPass.Scores, output: String) throws {
        try ReportFiles.writeJSON(report, to: output + "/report.json")
        FailPoint.kill("report", 1)
        try ReportFiles.writeJSON(report.options, to: output + "/config.json")
        FailPoint.kill("report", 2)
        try ReportFiles.writeText(try page(report, scores: scores).render(), to: output + "/report.html")
    }

    static func page(_ report: RefineReport, scores: ScoringPass.Scores) -> RefinePage {
        let segments = report.segments.map { s -> RefinePage.Segment in
            var segment = RefinePage.Segment(first: s.frames[0], last: s.frames[1], bestEpoch: s.bestEpoch, stopReason: s.stopReason,
                                             proxyEStabCrops: s.proxyEStabCrops, targetEStabCrops: s.targetEStabCrops,
                                             eStab: s.curve.map(\.eStab), fidelity: s.curve.map(\.fidelity), score: s.curve.map(\.score))
            segment.withdrawal = s.priorWithdrawal?.summary
            segment.discarded = s.priorWithdrawal?.discarded.map { ($0.epoch, $0.correction) } ?? []
            let names = Array(Set(s.curve.flatMap { $0.priorTerms?.keys.map { $0 } ?? [] })).sorted()
            segment.priorTerms = names.map { name in (name, s.curve.map { $0.priorTerms?[name] }) }
            segment.priorBalance = s.curve.map(\.priorBalance)
            return segment
        }
        return RefinePage(proxyName: report.proxyName, comparison: scores.comparison, worst: scores.worst, faces: scores.faces,
                          warnings: report.warnings, flicker: report.flicker, segments: segments, prior: report.prior,
                          priorFitError: report.priorFitError, shapeDistance: report.shapeDistance, features: report.features,
                          region: report.region, cropSide: report.cropSize.side, cropReason: report.cropSize.reason)
    }
}
