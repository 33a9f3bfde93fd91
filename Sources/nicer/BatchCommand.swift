import ArgumentParser
import Batch
import Foundation

struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Refine a dataset: every swap of an FF++ tree or a CSV pairs list, resumable, on one machine or sharded on a cluster.",
        discussion: """
            The batch folder (-o) holds batch.json (the items), state/ (one record and lock per item), work/ (each \
            item's refine folder, for --resume), logs/, the refined videos in FF++'s tree as \
            manipulated_sequences/<Method>-NICe/<c>/videos/NNN_MMM.mp4 with each report beside it (.json), and \
            summary.json, summary.csv, summary.html. See docs/batch.md.
            """,
        subcommands: [BatchRunCommand.self, BatchPlanCommand.self, BatchStatusCommand.self, BatchMergeCommand.self])
}

/// Which items: a dataset folder or a pairs list, filtered; shared by run and plan.
struct BatchSelection: ParsableArguments {
    @Argument(help: "An FF++ tree (original_sequences/youtube/<c>/videos, manipulated_sequences/<Method>/<c>/videos). Omit to reuse the batch folder's batch.json.")
    var root: String?

    @Option(name: .shortAndLong, help: "The batch folder (created if missing).")
    var out: String

    @Option(help: "A CSV of target,proxy[,method][,identity] instead of an FF++ tree.")
    var pairs: String?

    @Option(help: "FF++ methods to take, comma-separated (default: every folder under manipulated_sequences).")
    var methods: String?

    @Option(help: "FF++ compression level: raw, c23 or c40.")
    var compression = "c23"

    @Option(help: "Also write face crops and dataset files for a detector's training: deepfakebench (docs/batch.md).")
    var export: String?

    @Option(help: "Frames cropped a video for --export, spread evenly over it (1...1000).")
    var exportFrames = 32

    func validate() throws {
        guard root == nil || pairs == nil else { throw ValidationError("give a dataset folder or --pairs, not both") }
        guard ["raw", "c23", "c40"].contains(compression) else { throw ValidationError("--compression must be raw, c23 or c40") }
        if let export, export != DeepfakeBenchExport.folder { throw ValidationError("--export must be deepfakebench") }
        guard (1...1000).contains(exportFrames) else { throw ValidationError("--export-frames must be in 1...1000") }
    }

    /// A new plan from the dataset when one is named, else the folder's own; `--export` is kept in it,
    /// so every shard's `run -o OUT` exports too.
    func plan(refineArguments: [String]) throws -> BatchPlan {
        let settings = export.map { _ in DeepfakeBenchExport.Settings(frames: exportFrames) }
        guard root != nil || pairs != nil else {
            var plan = try BatchPlan.read(out)
            if let settings, plan.export != settings {
                plan.export = settings
                try plan.write(to: out)
            }
            return plan
        }
        let filter = DatasetScan.Filter(methods: methods.map { $0.split(separator: ",").map(String.init) } ?? [], compression: compression)
        var plan = try BatchPlan.scan(root: root, pairs: pairs, filter: filter, refineArguments: refineArguments)
        plan.export = settings
        try plan.write(to: out)
        return plan
    }
}
