import ArgumentParser
import Batch
import Foundation

struct BatchStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Where a batch stands: items done, failed (with why), running and queued; by method.")

    @Argument(help: "The batch folder.")
    var out: String

    func run() throws {
        let summary = try BatchSummary.merge(out)
        print("\(summary.source): \(summary.done) done, \(summary.failed) failed, \(summary.running) running, \(summary.queued) queued of \(summary.items.count)")
        for m in summary.methods {
            let f = { (v: Double?) in v.map { String(format: "%.3g", $0) } ?? "-" }
            print("  \(m.name): \(m.done)/\(m.items) done, \(m.failed) failed; e_stab median swap \(f(m.swapMedian)) -> refined \(f(m.refinedMedian)) (original \(f(m.targetMedian)))"
                  + (m.lessStable.isEmpty ? "" : "; \(m.lessStable.count) refined LESS stable than their swap"))
        }
        for item in summary.items where item.status == .failed {
            print("  failed: \(item.id) (\(item.attempts) attempt(s)): \(item.reason ?? "")")
        }
    }
}
