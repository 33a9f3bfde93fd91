import Foundation
import Media
import Reports

/// summary.json / .csv / .html: every item's state and figures, and per method how stable the
/// swaps were before and after refining (the dataset-scale comparison of swappers). Safe to run
/// while shards work: it only reads their records.
public struct BatchSummary: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public var id: String
        public var method: String
        public var stem: String
        public var split: String?
        public var status: ItemState.Status
        public var attempts: Int
        public var reason: String?
        public var seconds: Double?
        public var refined: String?
        public var figures: ItemFigures?
    }

    public struct Method: Codable, Sendable {
        public var name: String
        public var items: Int, done: Int, failed: Int
        /// Medians over the method's done items of each item's median e_stab over frame pairs.
        public var swapMedian: Double?, refinedMedian: Double?, targetMedian: Double?
        /// Items whose refined video came out less stable than their swap (delivered, and listed).
        public var lessStable: [String]
        /// How well "e_stab ÷ the target's e_stab" tells swaps from originals, before and after
        /// refining: the AUC against the originals, whose ratio is 1 by definition, i.e. the share
        /// of items with a ratio above 1 (ties count half). 0.5: no better than chance.
        public var stabilityAUCSwap: Double?, stabilityAUCRefined: Double?
    }

    public var source: String
    public var items: [Item]
    public var methods: [Method]
    public var done: Int, failed: Int, queued: Int, running: Int

    public static func merge(_ folder: String) throws -> BatchSummary {
        let plan = try BatchPlan.read(folder)
        let store = try StateStore(batch: folder)
        let items = plan.items.map { item -> Item in
            let state = store.read(item.id) ?? ItemState(id: item.id)
            var status = state.status
            // A running record whose worker is gone (no live lock) is waiting to be taken up again.
            if status == .running, !store.isLocked(item.id) { status = .queued }
            return Item(id: item.id, method: item.method, stem: item.stem, split: item.split, status: status, attempts: state.attempts,
                        reason: state.reason, seconds: state.seconds, refined: status == .done ? item.refinedPath : nil,
                        figures: status == .done ? state.figures : nil)
        }
        let methods = Dictionary(grouping: items, by: \.method).sorted { $0.key < $1.key }.map { name, group -> Method in
            let done = group.compactMap(\.figures)
            func auc(_ ratio: (ItemFigures) -> Double) -> Double? {
                done.isEmpty ? nil : done.reduce(0.0) { $0 + (ratio($1) > 1 ? 1 : ratio($1) == 1 ? 0.5 : 0) } / Double(done.count)
            }
            return Method(name: name, items: group.count, done: done.count, failed: group.filter { $0.status == .failed }.count,
                          swapMedian: median(done.map(\.swapMedian)), refinedMedian: median(done.map(\.refinedMedian)),
                          targetMedian: median(done.map(\.targetMedian)),
                          lessStable: group.filter { $0.figures?.lessStableThanSwap == true }.map(\.id),
                          stabilityAUCSwap: auc { $0.swapMedian / max($0.targetMedian, 1e-12) },
                          stabilityAUCRefined: auc { $0.refinedMedian / max($0.targetMedian, 1e-12) })
        }
        func count(_ s: ItemState.Status) -> Int { items.filter { $0.status == s }.count }
        return BatchSummary(source: plan.source, items: items, methods: methods, done: count(.done), failed: count(.failed),
                            queued: count(.queued), running: count(.running))
    }

    /// Merges the records, writes the summary files and, when the batch exports them, the
    /// DeepfakeBench dataset files; returns the summary and the dataset files written.
    public static func update(_ folder: String) throws -> (summary: BatchSummary, datasets: [String]) {
        let summary = try merge(folder)
        try summary.write(to: folder)
        let plan = try BatchPlan.read(folder)
        guard plan.export != nil else { return (summary, []) }
        let store = try StateStore(batch: folder)
        var records: [String: DeepfakeBenchExport.Record] = [:]
        for item in plan.items {
            if let state = store.read(item.id), state.status == .done, let record = state.export { records[item.id] = record }
        }
        return (summary, try DeepfakeBenchExport.writeDatasets(batch: folder, plan: plan, records: records))
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Writes summary.json, summary.csv and summary.html into the batch folder.
    public func write(to folder: String) throws {
        try ReportFiles.writeJSON(self, to: folder + "/summary.json")
        func f(_ v: Double?) -> String { v.map { String(format: "%.6g", $0) } ?? "" }
        var csv = ["id,method,stem,split,status,attempts,seconds,target_median,swap_median,refined_median,swap_mean,refined_mean,fidelity,less_stable,reason"]
        for i in items {
            let g = i.figures
            let reason = (i.reason ?? "").replacingOccurrences(of: "\"", with: "\"\"")
            csv.append([i.id, i.method, i.stem, i.split ?? "", i.status.rawValue, String(i.attempts), f(i.seconds), f(g?.targetMedian),
                        f(g?.swapMedian), f(g?.refinedMedian), f(g?.swapMean), f(g?.refinedMean), f(g?.fidelity),
                        g.map { String($0.lessStableThanSwap) } ?? "", "\"\(reason)\""].joined(separator: ","))
        }
        try ReportFiles.writeText(csv.joined(separator: "\n") + "\n", to: folder + "/summary.csv")
        try ReportFiles.writeText(page().render(), to: folder + "/summary.html")
    }

    func page() -> HTMLReport {
        var page = HTMLReport(title: "nicer batch: \(done) of \(items.count) refined")
        page.paragraph("Source: \(source). \(done) done, \(failed) failed, \(queued) queued, \(running) running. e_stab: medians over each method's items of the item's median over frame pairs, in the paste masks on the target's flow.")
        page.heading("Stability by method, before and after refining")
        func f(_ v: Double?) -> String { v.map { String(format: "%.3g", $0) } ?? "–" }
        page.table(header: ["method", "items", "done", "failed", "original", "swap", "refined", "AUC swap", "AUC refined", "refined less stable"],
                   rows: methods.map { m in
                       [m.name, String(m.items), String(m.done), String(m.failed), f(m.targetMedian), f(m.swapMedian), f(m.refinedMedian),
                        f(m.stabilityAUCSwap), f(m.stabilityAUCRefined), String(m.lessStable.count)]
                   })
        page.barChart(methods.flatMap { m in [("\(m.name) swap", m.swapMedian ?? 0), ("\(m.name) refined", m.refinedMedian ?? 0)] })
        let failures = items.filter { $0.status == .failed }
        if !failures.isEmpty {
            page.heading("Failures")
            page.table(header: ["item", "attempts", "reason"], rows: failures.map { [$0.id, String($0.attempts), $0.reason ?? ""] })
        }
        let worse = items.filter { $0.figures?.lessStableThanSwap == true }
        if !worse.isEmpty {
            page.heading("Refined less stable than the swap (delivered, not an improvement)")
            page.table(header: ["item", "swap median", "refined median"], rows: worse.map { [$0.id, f($0.figures?.swapMedian), f($0.figures?.refinedMedian)] })
        }
        page.heading("Items")
        page.table(header: ["item", "split", "status", "swap", "refined", "fidelity dB", "seconds"],
                   rows: items.map { i in
                       [i.id, i.split ?? "", i.status.rawValue, f(i.figures?.swapMedian), f(i.figures?.refinedMedian),
                        i.figures.map { String(format: "%.1f", $0.fidelity) } ?? "", i.seconds.map { String(format: "%.0f", $0) } ?? ""]
                   })
        return page
    }
}
