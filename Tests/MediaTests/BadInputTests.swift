import Foundation
import Media
import Tensor
import TestSupport
import XCTest

final class BadInputTests: XCTestCase {
    func assertBadInput(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try VideoReader(path: path), file: file, line: line) { error in
            guard let media = error as? MediaError else { return XCTFail("not a MediaError: \(error)", file: file, line: line) }
            XCTAssertEqual(media.kind, .badInput, media.description, file: file, line: line)
            XCTAssertFalse(media.description.contains("\n"), file: file, line: line)
        }
    }

    func testMissingEmptyDirectoryRandomAndTruncatedFilesAreBadInput() throws {
        let dir = try TempDirectory()
        assertBadInput(dir.file("missing.mp4"))
        assertBadInput(dir.path)
        _ = FileManager.default.createFile(atPath: dir.file("empty.mp4"), contents: Data())
        assertBadInput(dir.file("empty.mp4"))
        var rng = TestRandom(seed: 1)
        let noise = Data((0..<65536).map { _ in UInt8(truncatingIfNeeded: Int((rng.next() + 1) * 128)) })
        _ = FileManager.default.createFile(atPath: dir.file("noise.mp4"), contents: noise)
        assertBadInput(dir.file("noise.mp4"))

        let good = dir.file("good.mp4")
        let writer = try VideoWriter(path: good, width: 64, height: 64, options: .init(encoding: .h264(crf: 20, preset: "ultrafast")))
        for i in 0..<10 { try writer.write(Image8(width: 64, height: 64, channels: 3, fill: UInt8(i * 20))) }
        try writer.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        _ = FileManager.default.createFile(atPath: dir.file("truncated.mp4"), contents: bytes.prefix(bytes.count / 2))
        assertBadInput(dir.file("truncated.mp4"))
    }

    func testPNGReaderRejectsNonPNG() throws {
        let dir = try TempDirectory()
        _ = FileManager.default.createFile(atPath: dir.file("fake.png"), contents: Data("not a png".utf8))
        XCTAssertThrowsError(try PNG.read(dir.file("fake.png"))) { error in
            XCTAssertEqual((error as? MediaError)?.kind, .badInput)
        }
        XCTAssertThrowsError(try PNG.read(dir.file("none.png")))

        // A real PNG cut short fails inside libpng (its longjmp path), not at the signature check.
        let whole = dir.file("whole.png")
        try PNG.write(Image8(width: 64, height: 64, channels: 3, pixels: (0..<(64 * 64 * 3)).map { UInt8($0 % 251) }), to: whole)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: whole))
        _ = FileManager.default.createFile(atPath: dir.file("cut.png"), contents: bytes.prefix(bytes.count / 2))
        XCTAssertThrowsError(try PNG.read(dir.file("cut.png"))) { error in
            XCTAssertEqual((error as? MediaError)?.kind, .badInput)
            XCTAssertTrue(String(describing: error).contains("png_read_image"), "\(error)")
        }
    }

    func testUnfinishedWriterLeavesNothingBehind() throws {
        let dir = try TempDirectory()
        do {
            let writer = try VideoWriter(path: dir.file("never.mp4"), width: 32, height: 32)
            try writer.write(Image8(width: 32, height: 32, channels: 3, fill: 7))
            // dropped without finish(), as when a run is interrupted by an error
        }
        XCTAssertEqual(dir.contents(), [])
    }

    func testWriterErrorsNameTheProblem() throws {
        let dir = try TempDirectory()
        XCTAssertThrowsError(try VideoWriter(path: dir.file("no/such/folder/out.mp4"), width: 32, height: 32)) { error in
            XCTAssertEqual((error as? MediaError)?.kind, .output)
        }
        XCTAssertThrowsError(try VideoWriter(path: dir.file("ffv1.mp4"), width: 32, height: 32,
                                             options: .init(encoding: .lossless))) { error in
            XCTAssertTrue(String(describing: error).contains("mkv"), "\(error)")
        }
        let writer = try VideoWriter(path: dir.file("size.mp4"), width: 32, height: 32)
        XCTAssertThrowsError(try writer.write(Image8(width: 16, height: 32, channels: 3)))
        XCTAssertThrowsError(try writer.finish(), "finishing with no frames must fail")
        XCTAssertEqual(dir.contents().filter { !$0.hasPrefix(".") }, [])
    }
}

/// Temporaries of unfinished outputs: taken away on an interrupt, swept when their writer is gone.
final class PendingOutputTests: XCTestCase {
    func testUncommittedTemporariesAreRemovedAndCommittedOnesKept() throws {
        let dir = try TempDirectory()
        let kept = try AtomicOutput(finalPath: dir.file("kept.txt"))
        try Data("whole".utf8).write(to: URL(fileURLWithPath: kept.temporaryPath))
        try kept.commit()
        let unfinished = try AtomicOutput(finalPath: dir.file("half.txt"))
        try Data("half".utf8).write(to: URL(fileURLWithPath: unfinished.temporaryPath))
        XCTAssertGreaterThanOrEqual(PendingOutputs.shared.removeAll(), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: unfinished.temporaryPath))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("kept.txt")))
    }

    func testStaleTemporariesOfDeadProcessesAreSwept() throws {
        let dir = try TempDirectory()
        try FileManager.default.createDirectory(atPath: dir.file("sub"), withIntermediateDirectories: true)
        // pid_max on Linux is at most 2^22: no process has this id.
        let dead = dir.file("sub/.refined.partial-99999999-42.mp4"), alive = dir.file(".report.partial-\(getpid())-7.json")
        let other = dir.file(".hidden.mp4")
        for path in [dead, alive, other] { FileManager.default.createFile(atPath: path, contents: Data("x".utf8)) }
        AtomicOutput.sweepStale(in: dir.path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
        XCTAssertTrue(FileManager.default.fileExists(atPath: alive), "its writer is running")
        XCTAssertTrue(FileManager.default.fileExists(atPath: other), "not a temporary")
    }
}
