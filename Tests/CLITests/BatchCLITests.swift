import Foundation
import TestSupport
import XCTest

/// `nicer batch` end to end on a tiny FF++ tree of synthetic clips (2 targets × 2 methods).
final class BatchCLITests: XCTestCase {
    /// Tiny fits: the batch's plumbing is under test, not the fit.
    let refine = ["--", "--mask", "swap", "--size", "64", "--levels", "3", "--width", "8", "--epochs", "2", "--fixed-epochs",
                  "--frames-per-epoch", "0"]

    struct Summary: Decodable {
        struct Item: Decodable { let id: String; let status: String; let attempts: Int; let reason: String?; let refined: String? }
        struct Method: Decodable { let name: String; let done: Int; let swapMedian: Double?; let refinedMedian: Double? }
        let items: [Item]
        let methods: [Method]
        let done: Int
        let failed: Int
    }

    func summary(_ out: String) throws -> Summary {
        try JSONDecoder().decode(Summary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
    }

    func testRefinesATreeSideBySideFailsOnlyTheBadItemAndSkipsWhatIsDoneOnARerun() throws {
        let dir = try TempDirectory()
        let root = try makeSyntheticFFTree(dir)
        // A corrupt swap fails its item, never the batch.
        try Data(repeating: 7, count: 4000).write(to: URL(fileURLWithPath: root + "/manipulated_sequences/FaceSwap/c23/videos/001_000.mp4"))
        let out = dir.file("batch")
        let dry = try nicer(["batch", "run", root, "-o", out, "--dry-run", "--shard", "1/2"] + refine)
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("2 of 4 items in shard 1/2"), dry.stdout)
        XCTAssertTrue(dry.stdout.contains("Deepfakes__c23__001_000") && dry.stdout.contains("FaceSwap__c23__001_000"), dry.stdout)

        let run = try nicer(["batch", "run", root, "-o", out, "--jobs", "2"] + refine)
        XCTAssertEqual(run.status, 1, "an item failed: \(run.stdout) \(run.stderr)")
        XCTAssertTrue(run.stdout.contains("3 refined, 1 failed"), run.stdout)
        let s = try summary(out)
        XCTAssertEqual([s.done, s.failed], [3, 1])
        let bad = try XCTUnwrap(s.items.first { $0.status == "failed" })
        XCTAssertEqual(bad.id, "FaceSwap__c23__001_000")
        XCTAssertTrue(bad.reason?.contains("001_000.mp4") == true, bad.reason ?? "no reason")
        for item in s.items where item.status == "done" {
            let video = out + "/" + (item.refined ?? "")
            XCTAssertTrue(FileManager.default.fileExists(atPath: video), video)
            XCTAssertTrue(FileManager.default.fileExists(atPath: String(video.dropLast(4)) + ".json"), "report beside \(video)")
            XCTAssertTrue(video.contains("-NICe/c23/videos/"), video)
        }
        XCTAssertNotNil(s.methods.first { $0.name == "Deepfakes" }?.refinedMedian)
        for file in ["summary.csv", "summary.html", "batch.json"] { XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + file), file) }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out + "/state").filter { $0.hasSuffix(".lock") }, [], "no lock left")

        // Again: nothing is refined twice, the failure stays failed until asked to retry.
        let again = try nicer(["batch", "run", "-o", out])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 refined, 0 failed, 4 skipped"), again.stdout)
        XCTAssertEqual(try summary(out).items.map(\.attempts), [1, 1, 1, 1])
        let retry = try nicer(["batch", "run", "-o", out, "--retry-failed"])
        XCTAssertEqual(retry.status, 1)
        XCTAssertEqual(try summary(out).items.first { $0.status == "failed" }?.attempts, 2)

        let status = try nicer(["batch", "status", out])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("3 done, 1 failed") && status.stdout.contains("failed: FaceSwap__c23__001_000"), status.stdout)
    }

    /// `--jobs 2` killed outright takes its refines with it; the rerun never repeats an item
    /// finished before the kill and resumes the interrupted ones from their checkpoints (their
    /// logs say so), each refined once.
    func testAKilledBatchResumesItsItemsRepeatsNothingAndLeavesNoOrphan() throws {
        let dir = try TempDirectory()
        let root = try makeSyntheticFFTree(dir, frames: 12)
        let out = dir.file("batch")
        let slow = ["--", "--mask", "swap", "--size", "64", "--levels", "3", "--width", "8", "--epochs", "40", "--fixed-epochs",
                    "--frames-per-epoch", "0"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try nicerPath())
        process.arguments = ["batch", "run", root, "-o", out, "--jobs", "2"] + slow
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Items run in order, two at a time: the third starts when one of the first two is done.
        let state = out + "/work/FaceSwap__c23__000_001/.work/segment-0/state.json"
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            if let data = FileManager.default.contents(atPath: state),
               let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let epochs = json["epochs"] as? [Any], epochs.count >= 3 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The refine children go too (PR_SET_PDEATHSIG), within a moment; an orphan would train on
        // for its remaining epochs.
        var orphan = true
        for _ in 0..<30 {
            let ps = try runProcess("/bin/sh", ["-c", "ps -eo args | grep -F -- '-o \(out)/work' | grep -v grep || true"])
            orphan = !ps.stdout.isEmpty
            if !orphan { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertFalse(orphan, "the killed batch's refine still runs")
        XCTAssertEqual(try nicer(["batch", "merge", out]).status, 0)
        let before = try summary(out)
        let finished = Set(before.items.filter { $0.status == "done" }.map(\.id))
        XCTAssertFalse(finished.isEmpty, "an item finished before the kill")
        XCTAssertFalse(finished.contains("FaceSwap__c23__000_001"), "killed mid-fit")

        let rerun = try nicer(["batch", "run", "-o", out, "--jobs", "2"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let s = try summary(out)
        XCTAssertEqual(s.done, 4)
        for item in s.items {
            if finished.contains(item.id) {
                XCTAssertEqual(item.attempts, 1, "\(item.id) was done before the kill: not refined again")
                continue
            }
            let log = try String(contentsOfFile: out + "/logs/\(item.id).log", encoding: .utf8)
            let started = before.items.first { $0.id == item.id }?.attempts ?? 0
            XCTAssertEqual(item.attempts, started + 1, item.id)
            if item.id == "FaceSwap__c23__000_001" { XCTAssertTrue(log.contains("resuming after epoch"), log) }
        }
    }

    func testPlanWritesASlurmArrayAndAKubernetesIndexedJob() throws {
        let dir = try TempDirectory()
        let root = try makeSyntheticFFTree(dir)
        let out = dir.file("batch")
        let slurm = try nicer(["batch", "plan", root, "-o", out, "--slurm", "--tasks", "2"] + refine)
        XCTAssertEqual(slurm.status, 0, slurm.stderr)
        let script = try String(contentsOfFile: out + "/batch.sbatch", encoding: .utf8)
        XCTAssertTrue(script.contains("#SBATCH --array=0-1") && script.contains("'batch' 'run' '-o'"), script)
        let k8s = try nicer(["batch", "plan", "-o", out, "--kubernetes", "--tasks", "3", "--image", "registry/nicer:1"])
        XCTAssertEqual(k8s.status, 0, k8s.stderr)
        let job = try String(contentsOfFile: out + "/batch-job.yaml", encoding: .utf8)
        XCTAssertTrue(job.contains("completionMode: Indexed") && job.contains("completions: 3") && job.contains("registry/nicer:1"), job)
        let both = try nicer(["batch", "plan", root, "-o", out])
        XCTAssertEqual(both.status, 2, "neither --slurm nor --kubernetes")
        let none = try nicer(["batch", "run", dir.file("nothing"), "-o", out])
        XCTAssertEqual(none.status, 3, none.stderr)
    }
}
