import Foundation
import TestSupport
import XCTest

/// `nicer batch plan` against the real schedulers: a one-node Slurm cluster (tools/slurm-local.sh,
/// started by tools/test) runs the array, and the Kubernetes manifest is checked against the Job
/// schema by kubernetes-validate. Skipped where they are missing, except under CI=true.
final class ClusterBatchTests: XCTestCase {
    func required(_ tool: String, _ why: String) throws -> String {
        let found = try runProcess("/bin/sh", ["-c", "command -v \(tool) || true"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        if !found.isEmpty { return found }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            throw TestSupportError("\(tool) is missing under CI=true: \(why)")
        }
        throw XCTSkip("\(tool) not installed: \(why)")
    }

    func shell(_ command: String) throws -> String {
        let run = try runProcess("/bin/sh", ["-c", command])
        guard run.status == 0 else { throw TestSupportError("\(command): \(run.stderr)") }
        return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// plan --slurm → sbatch over 2 targets × 2 methods; task 0 is cancelled mid-fit and
    /// submitted again: its item resumes from its checkpoints, and every item is refined once.
    func testASlurmArrayRefinesEveryItemOnceAndAResubmittedTaskResumes() throws {
        _ = try required("sbatch", "tools/slurm-local.sh start, then export the SLURM_CONF it prints")
        if ProcessInfo.processInfo.environment["SLURM_CONF"] == nil, ProcessInfo.processInfo.environment["CI"] != "true",
           !FileManager.default.fileExists(atPath: "/etc/slurm/slurm.conf") {
            throw XCTSkip("no Slurm cluster configured (tools/slurm-local.sh start)")
        }
        let dir = try TempDirectory()
        let root = try makeSyntheticFFTree(dir, frames: 12)
        let out = dir.file("batch")
        let slow = ["--", "--mask", "swap", "--size", "64", "--levels", "3", "--width", "8", "--epochs", "40", "--fixed-epochs",
                    "--frames-per-epoch", "0"]
        let plan = try nicer(["batch", "plan", root, "-o", out, "--slurm", "--tasks", "2", "--cores", "1"] + slow)
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let job = try shell("sbatch --parsable \(out)/batch.sbatch")

        // Shard 0 of 2 (array task 0) holds Deepfakes__c23__000_001: cancel the task a few epochs in.
        let state = out + "/work/Deepfakes__c23__000_001/.work/segment-0/state.json"
        var epochs = 0
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline, epochs < 3 {
            if let data = FileManager.default.contents(atPath: state),
               let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { epochs = (json["epochs"] as? [Any])?.count ?? 0 }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let logs = (try? shell("cat \(out)/logs/* 2>/dev/null || true")) ?? ""
        XCTAssertGreaterThanOrEqual(epochs, 3, "the item never got going: \(logs)")
        _ = try shell("scancel \(job)_0")
        try waitUntilGone(job)
        let again = try shell("sbatch --parsable --array=0 \(out)/batch.sbatch")
        try waitUntilGone(again)

        let merge = try nicer(["batch", "merge", out])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let s = try JSONDecoder().decode(BatchCLITests.Summary.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/summary.json")))
        XCTAssertEqual(s.done, 4, "\(s.items.map { "\($0.id) \($0.status) \($0.reason ?? "")" })")
        for item in s.items {
            XCTAssertEqual(item.attempts, item.id == "Deepfakes__c23__000_001" ? 2 : 1, "\(item.id) refined once, the cancelled one resumed once")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + (item.refined ?? "-")), item.id)
        }
        let log = try String(contentsOfFile: out + "/logs/Deepfakes__c23__000_001.log", encoding: .utf8)
        XCTAssertTrue(log.contains("resuming after epoch"), log)
    }

    func waitUntilGone(_ job: String, timeout: TimeInterval = 300) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try shell("squeue -h -j \(job) 2>/dev/null || true").isEmpty { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        _ = try? shell("scancel \(job)")
        throw TestSupportError("Slurm job \(job) still queued or running after \(Int(timeout)) s")
    }

    /// The Indexed Job validates against Kubernetes' Job schema (1.29 is the first with
    /// backoffLimitPerIndex on by default), and the validator does catch a broken manifest.
    func testTheKubernetesManifestValidatesAgainstTheJobSchema() throws {
        let validator = try required("kubernetes-validate", "python3 -m pip install kubernetes-validate")
        let dir = try TempDirectory()
        let root = try makeSyntheticFFTree(dir, frames: 4)
        let out = dir.file("batch")
        let plan = try nicer(["batch", "plan", root, "-o", out, "--kubernetes", "--tasks", "2", "--image", "registry.example/nicer:1"])
        XCTAssertEqual(plan.status, 0, plan.stderr)
        let manifest = out + "/batch-job.yaml"
        for version in ["1.29.0", "1.33.0"] {
            let check = try runProcess(validator, ["--strict", "-k", version, manifest])
            XCTAssertEqual(check.status, 0, "\(version): \(check.stdout) \(check.stderr)")
        }
        let broken = dir.file("broken.yaml")
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: "completions: 2", with: "completions: two")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try runProcess(validator, ["--strict", "-k", "1.29.0", broken]).status, 0, "a string count must fail the schema")
    }
}
