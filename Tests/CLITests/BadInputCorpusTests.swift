import Foundation
import TestSupport
import XCTest

final class BadInputCorpusTests: XCTestCase {
    /// Every case of the corpus: the documented exit code, one line naming the file and what is
    /// wrong, no crash or hang, and nothing left in the output folders or beside the inputs. The
    /// table of cases with their exit codes and messages is printed.
    func testEveryBadInputEndsWithOneClearLineItsExitCodeAndNoOutput() throws {
        let dir = try TempDirectory("nicer-corpus")
        let corpus = try BadInputCorpus(dir)
        let cases = try corpus.cases()
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        XCTAssertEqual(Set(cases.map(\.name)).count, cases.count, "case names are unique")
        let inputs = tree(dir.file("in"))
        var table: [String] = []
        for c in cases {
            let started = Date()
            // A hang is a failure too: after 300 s the case is killed (exit 137).
            let result = try runProcess("/usr/bin/timeout", ["-s", "KILL", "300", try nicerPath()] + c.arguments, environment: c.environment)
            let lines = result.stderr.split(separator: "\n").map(String.init)
            let errors = lines.filter { $0.hasPrefix("nicer: error: ") }
            table.append(c.name.padding(toLength: 48, withPad: " ", startingAt: 0)
                + String(format: " exit %3d %6.1fs  ", result.status, Date().timeIntervalSince(started)) + (errors.first ?? "(no error line)"))
            XCTAssertEqual(result.status, c.exit, "\(c.name): \(result.stderr)")
            if c.exit == 0 {
                XCTAssertTrue(errors.isEmpty, "\(c.name): \(result.stderr)")
            } else {
                XCTAssertEqual(errors.count, 1, "\(c.name): one error line: \(result.stderr)")
                XCTAssertEqual(lines.last, errors.first, "\(c.name): the error is the last line")
                XCTAssertTrue(errors.first?.contains(c.names) ?? false, "\(c.name): the line names \(c.names): \(result.stderr)")
            }
            if let output = c.output, c.exit == 0 {
                XCTAssertTrue(FileManager.default.fileExists(atPath: output + "/refined.mp4"), "\(c.name) wrote no video")
                try FileManager.default.removeItem(atPath: output)
            } else if let output = c.output {
                XCTAssertFalse(FileManager.default.fileExists(atPath: output), "\(c.name) left \(output)")
            }
        }
        print("bad-input corpus (\(cases.count) cases):\n" + table.joined(separator: "\n"))
        XCTAssertEqual(tree(dir.file("out")), [], "no failed case leaves anything in the output folders")
        XCTAssertEqual(tree(dir.file("in")), inputs, "inputs untouched; the hostile pickle ran nothing")
    }

    /// Every path under a folder, relative and sorted.
    func tree(_ root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).sorted()
    }
}
