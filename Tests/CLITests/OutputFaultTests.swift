import Foundation
import TestSupport
import XCTest

/// Output folders that fail under nicer: a read-only file system and a full one, made real with
/// small tmpfs mounts (CI runs as root; elsewhere the tests skip, saying why).
final class OutputFaultTests: XCTestCase {
    let small = smallNetwork + ["--epochs", "1", "--features", "pixel", "--mask", "swap"]
    var mounted: [String] = []

    override func tearDown() {
        for path in mounted.reversed() { _ = try? runProcess("/bin/umount", [path]) }
        mounted = []
    }

    func mountTmpfs(_ path: String, options: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let result = try runProcess("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path])
        guard result.status == 0 else { throw XCTSkip("cannot mount a tmpfs here (\(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))); CI runs as root") }
        mounted.append(path)
    }

    func testReadOnlyOutputIsAFailureNamingTheFolderWithNothingWritten() throws {
        let dir = try TempDirectory()
        let clip = try synthClip(dir, seed: 2, frames: 12)
        let readOnly = dir.file("ro")
        try mountTmpfs(readOnly, options: "size=1m")
        try FileManager.default.createDirectory(atPath: readOnly + "/existing", withIntermediateDirectories: false)
        let remount = try runProcess("/bin/mount", ["-o", "remount,ro", readOnly])
        XCTAssertEqual(remount.status, 0, remount.stderr)
        for out in [readOnly + "/new", readOnly + "/existing"] {
            let run = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "-o", out] + small)
            XCTAssertEqual(run.status, 1, run.stderr)
            let lines = run.stderr.split(separator: "\n")
            XCTAssertEqual(lines.filter { $0.hasPrefix("nicer: error: ") }.count, 1, run.stderr)
            XCTAssertTrue(lines.last?.contains(out) ?? false, run.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: readOnly), ["existing"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: readOnly + "/existing"), [])
    }

    /// The fit is done and kept; the disk fills while the video is written. The run fails with
    /// one line, leaves no video and no temporary behind, and keeps the fit: once there is room,
    /// `--resume` writes the video without training again.
    func testFullDiskDuringTheWritePassLeavesNoPartialVideoAndResumes() throws {
        let dir = try TempDirectory()
        let clip = try synthClip(dir, seed: 2, frames: 12)
        let first = dir.file("first")
        let done = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "-o", first] + small)
        XCTAssertEqual(done.status, 0, done.stderr)

        let disk = dir.file("disk")
        try mountTmpfs(disk, options: "size=8m")
        let out = disk + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: first + "/.work", toPath: out + "/.work")
        // Fill the disk, then give back room for the crops' scratch file (refine checks for it
        // first: 7 bytes a pixel of 12 frames at 64², and 10 %) and a page: not for the videos and masks.
        let filler = disk + "/filler"
        FileManager.default.createFile(atPath: filler, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: filler))
        let page = Data(count: 4096)
        while (try? handle.write(contentsOf: page)) != nil {}
        let size = try handle.offset()
        let room = (12 * 64 * 64 * 7 * 11 / 10 + 4095) / 4096 * 4096 + 4096
        try handle.truncate(atOffset: size - UInt64(room))
        try handle.close()

        let full = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "-o", out, "--resume", "--crf", "30"] + small)
        XCTAssertEqual(full.status, 1, full.stderr)
        let lines = full.stderr.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.hasPrefix("nicer: error: ") }.count, 1, full.stderr)
        XCTAssertTrue(lines.last?.contains("No space left on device") ?? false, full.stderr)
        XCTAssertTrue(lines.last?.contains(out + "/") ?? false, "names the output: \(full.stderr)")
        XCTAssertFalse(lines.last?.contains(".partial-") ?? true, "names the file asked for, not its temporary: \(full.stderr)")
        print("full disk in the write pass: \(lines.last ?? "")")
        XCTAssertFalse(full.stderr.contains("epoch 1/1"), "the fit was reused, not trained again: \(full.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: out)
        XCTAssertFalse(left.contains("refined.mp4") || left.contains("report.json"), "\(left)")
        XCTAssertFalse(left.contains { $0.contains(".partial-") }, "no temporary left: \(left)")

        try FileManager.default.removeItem(atPath: filler)
        let resumed = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "-o", out, "--resume", "--crf", "30"] + small)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(resumed.stderr.contains("epoch 1/1"), resumed.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/refined.mp4"))
    }
}
