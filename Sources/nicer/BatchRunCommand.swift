import ArgumentParser
import Batch
import Foundation

struct BatchRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Refine the batch's items (this shard's), skipping those done; arguments after -- go to every refine.",
        discussion: "Exit status 0 when every item of the shard is done, 1 when some failed (summary.json lists why), 3 for a bad dataset or list.")

    @OptionGroup var selection: BatchSelection

    @Option(help: "Items refined side by side, the cores split between them (1...64).")
    var jobs = 1

    @Option(help: "This worker's share, K/N (default: from a Slurm array or a Kubernetes Indexed Job, else all).")
    var shard: String?

    @Flag(help: "Try failed items again.")
    var retryFailed = false

    @Flag(help: "List the items with their estimated cost and stop.")
    var dryRun = false

    @Argument(parsing: .postTerminator, help: "Options for every nicer refine (after --).")
    var refineArguments: [String] = []

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be in 1...64") }
        if let shard { _ = try Shard(parsing: shard) }
    }

    func run() throws {
        let plan = try selection.plan(refineArguments: refineArguments)
        let (shard, source) = try Shard.resolve(shard, environment: ProcessInfo.processInfo.environment)
        let items = plan.items(in: shard)
        if dryRun {
            for item in items {
                print(String(format: "%@  %d frames  ~%.0f s  %@ <- %@", item.id, item.frames, BatchPlan.estimatedSeconds(item), item.proxy, item.target))
            }
            let total = items.reduce(0.0) { $0 + BatchPlan.estimatedSeconds($1) }
            print(String(format: "%d of %d items in shard %@ (%@); ~%.1f h on 2 cores at refine's defaults", items.count, plan.items.count,
                         shard.description, source, total / 3600))
            return
        }
        var options = BatchRunner.Options()
        options.jobs = jobs
        options.retryFailed = retryFailed
        options.refineArguments = plan.refineArguments
        options.export = plan.export
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        let started = Date()
        let runner = try BatchRunner(batch: selection.out, items: items, options: options, executable: executable,
                                     progress: { line in FileHandle.standardError.write(Data(String(format: "[%6.0fs] %@\n", Date().timeIntervalSince(started), line).utf8)) })
        let outcome = runner.run()
        let (summary, datasets) = try BatchSummary.update(selection.out)
        print("shard \(shard) (\(source)): \(outcome.done) refined, \(outcome.failed) failed, \(outcome.skipped) skipped, \(outcome.busy) held by other workers, \(outcome.interrupted) interrupted")
        print("batch: \(summary.done) of \(summary.items.count) done, \(summary.failed) failed; wrote \(selection.out)/summary.json, summary.csv, summary.html"
              + datasets.map { ", " + $0 }.joined())
        if outcome.failed > 0 { throw ExitCode(1) }
    }
}
