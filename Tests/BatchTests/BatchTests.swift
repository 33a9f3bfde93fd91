import Batch
import Foundation
import TestSupport
import XCTest

final class BatchTests: XCTestCase {
    /// An FF++ tree of empty files: 2 targets, 2 methods (and one swap whose target is absent from another method's folder).
    func tree(_ dir: TempDirectory, compression: String = "c23") throws -> String {
        let root = dir.file("ffpp")
        let fm = FileManager.default
        try fm.createDirectory(atPath: "\(root)/original_sequences/youtube/\(compression)/videos", withIntermediateDirectories: true)
        for t in ["000", "001"] { fm.createFile(atPath: "\(root)/original_sequences/youtube/\(compression)/videos/\(t).mp4", contents: Data()) }
        for method in ["Deepfakes", "FaceSwap"] {
            let folder = "\(root)/manipulated_sequences/\(method)/\(compression)/videos"
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for s in ["001_000", "000_001"] { fm.createFile(atPath: "\(folder)/\(s).mp4", contents: Data()) }
        }
        // A refined method folder from an earlier batch written into the tree is not an input.
        try fm.createDirectory(atPath: "\(root)/manipulated_sequences/Deepfakes-NICe/\(compression)/videos", withIntermediateDirectories: true)
        try Data(#"[["000", "001"]]"#.utf8).write(to: URL(fileURLWithPath: "\(root)/test.json"))
        return root
    }

    func testFaceForensicsTreeGivesSortedItemsWithTargetsSplitsAndMirroredOutputs() throws {
        let dir = try TempDirectory()
        let root = try tree(dir)
        let items = try DatasetScan.faceForensics(root, filter: .init())
        XCTAssertEqual(items.map(\.id), ["Deepfakes__c23__000_001", "Deepfakes__c23__001_000", "FaceSwap__c23__000_001", "FaceSwap__c23__001_000"])
        XCTAssertEqual(items[1].target, "\(root)/original_sequences/youtube/c23/videos/001.mp4")
        XCTAssertEqual(items[1].proxy, "\(root)/manipulated_sequences/Deepfakes/c23/videos/001_000.mp4")
        XCTAssertEqual(items.map(\.split), ["test", "test", "test", "test"], "both directions of a split pair")
        XCTAssertEqual(items[0].refinedPath, "manipulated_sequences/Deepfakes-NICe/c23/videos/000_001.mp4")
        XCTAssertEqual(items[0].reportPath, "manipulated_sequences/Deepfakes-NICe/c23/videos/000_001.json")
        XCTAssertEqual(try DatasetScan.faceForensics(root, filter: .init(methods: ["FaceSwap"])).map(\.method), ["FaceSwap", "FaceSwap"])
        XCTAssertThrowsError(try DatasetScan.faceForensics(root, filter: .init(methods: ["NoSuch"])))
        XCTAssertThrowsError(try DatasetScan.faceForensics(root, filter: .init(compression: "c40")), "no c40 folders")
        try FileManager.default.removeItem(atPath: "\(root)/original_sequences/youtube/c23/videos/001.mp4")
        XCTAssertThrowsError(try DatasetScan.faceForensics(root, filter: .init())) { error in
            XCTAssertTrue("\(error)".contains("001.mp4"), "\(error)")
        }
    }

    func testPairsListTakesRelativePathsQuotesAndOptionalColumns() throws {
        let dir = try TempDirectory()
        let csv = dir.file("pairs.csv")
        try Data("target,proxy,method,identity\na/t.mp4,\"b, c/s1.mp4\",SimSwap,\n/abs/t2.mp4,s2.mp4\n\n".utf8).write(to: URL(fileURLWithPath: csv))
        let items = try DatasetScan.pairsList(csv)
        XCTAssertEqual(items.map(\.method), ["SimSwap", "custom"])
        XCTAssertEqual(items[0].target, dir.path + "/a/t.mp4")
        XCTAssertEqual(items[0].proxy, dir.path + "/b, c/s1.mp4")
        XCTAssertNil(items[0].identity)
        XCTAssertEqual(items[1].target, "/abs/t2.mp4")
        for bad in ["only-one-field\n", "t.mp4,\"unterminated\n", "t.mp4,s.mp4\nu.mp4,s.mp4\n", "target,proxy\n"] {
            try Data(bad.utf8).write(to: URL(fileURLWithPath: csv))
            XCTAssertThrowsError(try DatasetScan.pairsList(csv), bad)
        }
    }

    func testShardsPartitionTheItemsAndComeFromSlurmOrKubernetes() throws {
        let parts = (0..<3).map { k in (0..<10).filter { Shard(index: k, count: 3).contains($0) } }
        XCTAssertEqual(parts.flatMap { $0 }.sorted(), Array(0..<10))
        XCTAssertEqual(try Shard.resolve(nil, environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_COUNT": "3"]).shard,
                       Shard(index: 1, count: 3))
        XCTAssertEqual(try Shard.resolve(nil, environment: ["JOB_COMPLETION_INDEX": "2", "NICER_SHARD_COUNT": "4"]).shard, Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.resolve("1/2", environment: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "9"]).shard,
                       Shard(index: 1, count: 2), "--shard wins")
        XCTAssertEqual(try Shard.resolve(nil, environment: [:]).shard, .whole)
        XCTAssertThrowsError(try Shard.resolve(nil, environment: ["JOB_COMPLETION_INDEX": "2"]), "the count is needed")
        XCTAssertThrowsError(try Shard.resolve(nil, environment: ["SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "3"]))
        for bad in ["3/3", "-1/2", "1", "a/b", "0/0"] { XCTAssertThrowsError(try Shard(parsing: bad), bad) }
    }

    func testALockIsExclusiveUntilItsHolderIsGone() throws {
        let dir = try TempDirectory()
        let store = try StateStore(batch: dir.path)
        XCTAssertTrue(store.lock("a"))
        XCTAssertFalse(store.lock("a"), "held by this live process")
        store.unlock("a")
        // A lock whose process on this host is gone is taken over at once.
        try Data("\(ProcessInfo.processInfo.hostName):999999\n".utf8).write(to: URL(fileURLWithPath: store.lockPath("b")))
        XCTAssertTrue(store.lock("b"))
        // Another host's lock holds until it is older than staleAfter.
        try Data("elsewhere:1\n".utf8).write(to: URL(fileURLWithPath: store.lockPath("c")))
        XCTAssertFalse(store.lock("c"))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: store.lockPath("c"))
        XCTAssertTrue(store.lock("c"))
    }

    func testSummaryGivesMethodMediansTheStabilityAUCAndListsWorseItems() throws {
        let dir = try TempDirectory()
        let items = ["a", "b", "c", "d"].map { BatchItem(method: $0 == "d" ? "Y" : "X", compression: "c23", stem: $0, target: "t", proxy: "p") }
        try BatchPlan(source: "test", refineArguments: [], items: items).write(to: dir.path)
        let store = try StateStore(batch: dir.path)
        func done(_ id: String, target: Double, swap: Double, refined: Double) throws {
            var s = ItemState(id: id, status: .done)
            s.figures = ItemFigures(frames: 10, targetMean: target, targetMedian: target, swapMean: swap, swapMedian: swap,
                                    refinedMean: refined, refinedMedian: refined, fidelity: 30, lessStableThanSwap: refined > swap, warnings: [])
            try store.write(s)
        }
        try done(items[0].id, target: 1, swap: 2, refined: 0.9)
        try done(items[1].id, target: 1, swap: 3, refined: 4)
        var failed = ItemState(id: items[2].id, status: .failed)
        failed.reason = "no face found"
        try store.write(failed)
        let summary = try BatchSummary.merge(dir.path)
        XCTAssertEqual([summary.done, summary.failed, summary.queued], [2, 1, 1])
        let x = try XCTUnwrap(summary.methods.first { $0.name == "X" })
        XCTAssertEqual(x.swapMedian, 2.5)
        XCTAssertEqual(x.refinedMedian, 2.45)
        XCTAssertEqual(x.stabilityAUCSwap, 1, "both swaps flicker more than their originals")
        XCTAssertEqual(x.stabilityAUCRefined, 0.5, "one of the two refined does")
        XCTAssertEqual(x.lessStable, [items[1].id])
        try summary.write(to: dir.path)
        let csv = try String(contentsOfFile: dir.file("summary.csv"), encoding: .utf8)
        XCTAssertTrue(csv.contains("\"no face found\""), csv)
        XCTAssertTrue(try String(contentsOfFile: dir.file("summary.html"), encoding: .utf8).contains("LESS") == false)
    }

    func testClusterJobsAskForTheEstimatedTimeAndRunEachShard() throws {
        var items = (0..<8).map { BatchItem(method: "M", compression: "c23", stem: "\($0)", target: "t", proxy: "p") }
        for k in items.indices { items[k].frames = 300; items[k].megapixels = 2.07 }
        let plan = BatchPlan(source: "test", refineArguments: ["--epochs", "5"], items: items)
        let r = ClusterPlan.resources(plan, tasks: 4, cores: 2)
        XCTAssertEqual(r.memoryGB, 4, "1080p")
        XCTAssertGreaterThan(r.seconds, Int(2 * BatchPlan.estimatedSeconds(items[0])), "two items a task")
        let script = ClusterPlan.slurm(r, command: ["/bin/nicer", "batch", "run", "-o", "/data/out"], folder: "/data/out")
        XCTAssertTrue(script.contains("#SBATCH --array=0-3"), script)
        XCTAssertTrue(script.contains("#SBATCH --cpus-per-task=2"), script)
        XCTAssertTrue(script.contains("exec '/bin/nicer' 'batch' 'run' '-o' '/data/out'"), script)
        let job = ClusterPlan.kubernetes(r, command: ["/bin/nicer", "batch", "run"], image: "nicer:1", volume: "claim", mount: "/data")
        XCTAssertTrue(job.contains("completionMode: Indexed") && job.contains("completions: 4") && job.contains("value: \"4\""), job)
    }

    /// The frames `--export deepfakebench` crops: numpy's linspace as DeepfakeBench takes them
    /// (tools/golden/deepfakebench_golden.py), fewer when the clip is shorter than the count.
    func testExportTakesDeepfakeBenchsFrames() throws {
        struct Golden: Decodable { struct Case: Decodable { let count: Int; let n: Int; let indices: [Int] }; let frames: [Case] }
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/deepfakebench.json"))))
        XCTAssertEqual(golden.frames.count, 6)
        for c in golden.frames {
            XCTAssertEqual(DeepfakeBenchExport.frameIndices(count: c.count, frames: c.n), c.indices, "\(c.count) frames")
        }
        XCTAssertEqual(DeepfakeBenchExport.frameIndices(count: 0, frames: 32), [])
    }

    /// DeepfakeBench's names: FaceShifter's dataset is FaceShifter (label FF-FH) with a
    /// compression level; a pairs list's method gets <method>_fake / _real and none.
    func testExportNamesDatasetsAsDeepfakeBenchsLoaderReadsThem() throws {
        let dir = try TempDirectory()
        let swap = BatchItem(method: "FaceShifter", compression: "c23", stem: "000_003", target: "/d/000.mp4", proxy: "/d/000_003.mp4", split: "test")
        let other = BatchItem(method: "Deepfakes", compression: "c23", stem: "001_002", target: "/d/001.mp4", proxy: "/d/001_002.mp4", split: "test")
        let own = BatchItem(method: "roop", compression: "custom", stem: "clip", target: "/d/a.mp4", proxy: "/d/clip.mp4")
        let plan = BatchPlan(source: "/d", refineArguments: [], items: [swap, other, own], export: DeepfakeBenchExport.Settings(frames: 2))
        let records = [swap.id: DeepfakeBenchExport.Record(refinedFrames: ["r/000.png"], originalFrames: ["o/000.png"]),
                       other.id: DeepfakeBenchExport.Record(refinedFrames: ["s/000.png"], originalFrames: ["o1/000.png"]),
                       own.id: DeepfakeBenchExport.Record(refinedFrames: ["q/000.png"], originalFrames: [])]
        let written = try DeepfakeBenchExport.writeDatasets(batch: dir.path, plan: plan, records: records).map { URL(fileURLWithPath: $0).lastPathComponent }
        XCTAssertEqual(written.sorted(), ["FF-DF.json", "FaceForensics++.json", "FaceShifter.json", "roop.json"])
        func read(_ name: String) throws -> [String: Any] {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir.file("deepfakebench/" + name)))) as? [String: Any])
        }
        let shifter = try XCTUnwrap((try read("FaceShifter.json"))["FaceShifter"] as? [String: [String: [String: Any]]])
        XCTAssertEqual(Set(shifter.keys), ["FF-FH", "FF-real"])
        let video = try XCTUnwrap((shifter["FF-FH"]?["test"]?["c23"] as? [String: [String: Any]])?["000_003"])
        XCTAssertEqual(video["label"] as? String, "FF-FH")
        XCTAssertEqual(video["frames"] as? [String], [URL(fileURLWithPath: dir.path).standardizedFileURL.path + "/r/000.png"])
        XCTAssertEqual((shifter["FF-real"]?["test"]?["c23"] as? [String: Any])?.keys.sorted(), ["000"], "its own swaps' originals only")
        let all = try XCTUnwrap((try read("FaceForensics++.json"))["FaceForensics++"] as? [String: [String: [String: Any]]])
        XCTAssertEqual(Set(all.keys), ["FF-DF", "FF-FH", "FF-real"])
        XCTAssertEqual((all["FF-real"]?["test"]?["c23"] as? [String: Any])?.keys.sorted(), ["000", "001"])
        XCTAssertEqual((shifter["FF-FH"]?["train"]?["c23"] as? [String: Any])?.count, 0)
        let roop = try XCTUnwrap((try read("roop.json"))["roop"] as? [String: [String: [String: Any]]])
        XCTAssertEqual(Set(roop.keys), ["roop_fake", "roop_real"])
        XCTAssertEqual((roop["roop_fake"]?["train"]?["clip"] as? [String: Any])?["label"] as? String, "roop_fake", "no compression level")
    }
}
