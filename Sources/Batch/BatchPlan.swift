import Foundation
import Media
import Refine
import Reports

/// batch.json: what a batch folder holds — the items in order, where they came from and the
/// refine arguments — so `run` on any shard, `status` and `merge` agree on the list.
public struct BatchPlan: Codable, Sendable {
    public var source: String
    public var refineArguments: [String]
    public var items: [BatchItem]
    /// Set when the batch also exports DeepfakeBench crops (`--export deepfakebench`).
    public var export: DeepfakeBenchExport.Settings?

    public init(source: String, refineArguments: [String], items: [BatchItem], export: DeepfakeBenchExport.Settings? = nil) {
        (self.source, self.refineArguments, self.items, self.export) = (source, refineArguments, items, export)
    }

    /// The items of an FF++ tree (ROOT) or a pairs list (`pairs`), with their frame counts.
    public static func scan(root: String?, pairs: String?, filter: DatasetScan.Filter, refineArguments: [String]) throws -> BatchPlan {
        var items: [BatchItem]
        let source: String
        if let pairs {
            items = try DatasetScan.pairsList(pairs)
            source = "pairs list \(pairs)"
        } else if let root {
            items = try DatasetScan.faceForensics(root, filter: filter)
            source = "FF++ tree \(root) (\(filter.compression)\(filter.methods.isEmpty ? "" : ", " + filter.methods.joined(separator: ", ")))"
        } else {
            throw PipelineError("give a dataset folder (an FF++ tree) or --pairs CSV")
        }
        guard !items.isEmpty else { throw PipelineError("no pairs found in \(pairs ?? root!)") }
        for k in items.indices {
            if let info = try? VideoInfo.probe(path: items[k].target) {
                items[k].frames = info.frameCount
                items[k].megapixels = Double(info.width * info.height) / 1e6
            }
        }
        return BatchPlan(source: source, refineArguments: refineArguments, items: items)
    }

    public static func path(_ folder: String) -> String { folder + "/batch.json" }

    public func write(to folder: String) throws {
        try BatchFiles.makeFolder(folder, "the batch folder")
        try ReportFiles.writeJSON(self, to: Self.path(folder))
    }

    public static func read(_ folder: String) throws -> BatchPlan {
        guard let data = FileManager.default.contents(atPath: path(folder)) else {
            throw PipelineError("\(folder) holds no batch (no batch.json: run nicer batch run or plan first)")
        }
        do { return try JSONDecoder().decode(BatchPlan.self, from: data) } catch {
            throw PipelineError("\(path(folder)): not a batch plan (\(error))")
        }
    }

    /// The items of `shard`, in order.
    public func items(in shard: Shard) -> [BatchItem] {
        items.enumerated().filter { shard.contains($0.offset) }.map(\.element)
    }

    /// Seconds one item takes at refine's defaults on 2 cores, roughly: the step budget at ~0.13 s
    /// a step of a 256² crop (a smaller face gets more, cheaper steps at the same pixels × steps;
    /// measured 0.115–0.15 on 1080p and DeepFaceLive pairs) plus ~0.06 s a frame per
    /// megapixel and 0.04 s a frame for the five passes over the clip (docs/benchmarks.md).
    public static func estimatedSeconds(_ item: BatchItem) -> Double {
        let options = RefineOptions()
        let frames = max(item.frames, 2)
        let segments = Segments.count(frames: frames, length: options.segmentLength, overlap: options.segmentOverlap)
        let perSegment = (frames + (segments - 1) * options.segmentOverlap) / segments
        let steps = segments * options.epochs * StepBudget.stepsPerEpoch(options, frames: perSegment)
        return 20 + Double(steps) * 0.13 + Double(frames) * (0.04 + 0.06 * item.megapixels)
    }
}

enum Segments {
    static func count(frames: Int, length: Int, overlap: Int) -> Int {
        frames <= length ? 1 : 1 + Int((Double(frames - length) / Double(length - overlap)).rounded(.up))
    }
}
