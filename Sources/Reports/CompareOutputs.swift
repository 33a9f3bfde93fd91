import Foundation
import Media
public import Stability

/// `nicer compare --out DIR`: compare.json, compare.csv, compare.html, config.json and, with the
/// face measures, faces.json.
public enum CompareOutputs {
    /// `config`: the resolved options, as the command line gave them.
    public static func write(_ result: CompareJob.Result, config: [String: String], to out: String) throws -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw PipelineError("\(out): cannot create the output folder: \(error.localizedDescription)")
        }
        try ReportFiles.writeJSON(result.report, to: out + "/compare.json")
        try ReportFiles.writeText(ReportFiles.comparisonCSV(result.report), to: out + "/compare.csv")
        if let faces = result.faces { try ReportFiles.writeJSON(faces, to: out + "/faces.json") }
        try ReportFiles.writeText(try ComparePage.page(result.report, worst: result.worst, faces: result.faces).render(), to: out + "/compare.html")
        try ReportFiles.writeJSON(config, to: out + "/config.json")
        return ["compare.json", "compare.csv", "compare.html", "config.json"] + (result.faces == nil ? [] : ["faces.json"])
    }
}
