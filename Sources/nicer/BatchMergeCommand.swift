import ArgumentParser
import Batch
import Foundation

struct BatchMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Gather every shard's records into summary.json, summary.csv and summary.html, and the DeepfakeBench dataset files when the batch exports them (idempotent; safe while shards run).")

    @Argument(help: "The batch folder.")
    var out: String

    func run() throws {
        let (summary, datasets) = try BatchSummary.update(out)
        print("\(summary.done) of \(summary.items.count) done, \(summary.failed) failed: wrote \(out)/summary.json, summary.csv, summary.html"
              + datasets.map { ", " + $0 }.joined())
    }
}
