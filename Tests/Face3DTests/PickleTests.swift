import Face3D
import Foundation
import TestSupport
import XCTest

/// Hostile pickles are rejected with a reason, and nothing in them runs.
final class PickleTests: XCTestCase {
    func reject(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        var reader = PickleReader(bytes: bytes)
        XCTAssertThrowsError(try reader.run(), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
        }
    }

    func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testReadsPlainValues() throws {
        // {'a': (1, 2.5, u'x'), 'b': [True, None]} at protocol 2, as Python writes it.
        var bytes: [UInt8] = [0x80, 2, 0x7D, 0x71, 0, 0x28]
        bytes += [0x55, 1] + ascii("a") + [0x4B, 1, 0x47, 0x40, 0x04, 0, 0, 0, 0, 0, 0, 0x8C, 1] + ascii("x") + [0x87, 0x71, 1]
        bytes += [0x55, 1] + ascii("b") + [0x5D, 0x71, 2, 0x28, 0x88, 0x4E, 0x65, 0x75, 0x2E]
        var reader = PickleReader(bytes: bytes)
        let value = try reader.run()
        guard case .tuple(let t)? = value["a"], t.count == 3, case .int(1) = t[0], case .float(2.5) = t[1], t[2].string == "x" else {
            return XCTFail("\(value)")
        }
        guard case .list(let l)? = value["b"], l.count == 2 else { return XCTFail("\(value)") }
    }

    func testRejectsUnknownGlobals() {
        // The classic: os.system('touch …') via GLOBAL + REDUCE. Must stop at the GLOBAL.
        let marker = NSTemporaryDirectory() + "nicer-pickle-\(getpid())"
        let bytes: [UInt8] = [0x80, 2, 0x63] + ascii("os\nsystem\n") + [0x58] + [UInt8(marker.utf8.count + 6), 0, 0, 0] + ascii("touch " + marker) + [0x85, 0x52, 0x2E]
        reject(bytes, "global os.system is not allowed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        reject([0x80, 4, 0x8C, 8] + ascii("builtins") + [0x8C, 4] + ascii("eval") + [0x93, 0x2E], "global builtins.eval is not allowed")
        reject([0x80, 2, 0x63] + ascii("torch._utils\n_rebuild_tensor_v2\n") + [0x2E], "not allowed")
        reject([0x80, 2, 0x55, 1, 0x31, 0x51, 0x2E], "persistent ids")
    }

    func testRejectsHugeSizes() {
        reject([0x80, 2, 0x54, 0xFF, 0xFF, 0xFF, 0x7F, 0x41, 0x2E], "runs past the end")
        reject([0x80, 4, 0x8E] + [UInt8](repeating: 0xFF, count: 7) + [0x7F, 0x2E], "runs past the end")
        // An array claiming 2^40 elements backed by 8 bytes.
        var bytes: [UInt8] = [0x80, 2, 0x63] + ascii("numpy.core.multiarray\n_reconstruct\n") + [0x63] + ascii("numpy\nndarray\n")
        bytes += [0x4B, 0, 0x85, 0x55, 1] + ascii("b") + [0x87, 0x52, 0x28, 0x4B, 1]
        bytes += [0x8A, 6, 0, 0, 0, 0, 0, 1, 0x85]                          // shape (2^40,)
        bytes += [0x63] + ascii("numpy\ndtype\n") + [0x55, 2] + ascii("f8") + [0x4B, 0, 0x4B, 1, 0x87, 0x52]
        bytes += [0x28, 0x4B, 3, 0x55, 1] + ascii("<") + [0x4E, 0x4E, 0x4E, 0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x4A, 0xFF, 0xFF, 0xFF, 0xFF, 0x4B, 0, 0x74, 0x62]
        bytes += [0x89, 0x55, 8] + [UInt8](repeating: 0, count: 8) + [0x74, 0x62, 0x2E]
        reject(bytes, "larger than the file")
    }

    func testRejectsEveryTruncationOfTheModel() throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixturePath("flame/synthetic_embedding.pkl"))))
        var reader = PickleReader(bytes: data)
        XCTAssertNoThrow(try reader.run())
        for cut in stride(from: 1, to: data.count, by: max(1, data.count / 97)) {
            var truncated = PickleReader(bytes: Array(data[..<cut]))
            XCTAssertThrowsError(try truncated.run(), "cut at \(cut)")
        }
    }

    func testRejectsDeepRecursion() {
        // 10 000 nested 1-tuples, and 10 000 nested marks.
        reject([0x80, 2, 0x4E] + [UInt8](repeating: 0x85, count: 10_000) + [0x2E], "nesting deeper than")
        reject([0x80, 2] + [UInt8](repeating: 0x28, count: 10_000) + [0x2E], "nesting deeper than")
        // A list appended into itself over and over (each copy one level deeper).
        var selfReference: [UInt8] = [0x80, 2, 0x5D, 0x71, 0]
        for _ in 0..<200 { selfReference += [0x68, 0, 0x61, 0x71, 0] }
        reject(selfReference + [0x2E], "nesting deeper than")
    }

    func testRejectsForeignFiles() throws {
        let dir = try TempDirectory()
        let png = dir.path + "/model.pkl"
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]).write(to: URL(fileURLWithPath: png))
        // A PNG signature reads as NEWFALSE then PERSID: rejected at the persistent id.
        XCTAssertThrowsError(try FLAMEModel.load(png)) { XCTAssertTrue("\($0)".contains("persistent ids"), "\($0)") }
        // A valid pickle that is not a FLAME model.
        XCTAssertThrowsError(try FLAMEModel.load(fixturePath("flame/synthetic_embedding.pkl"))) {
            XCTAssertTrue("\($0)".contains("no array 'v_template'"), "\($0)")
        }
        XCTAssertThrowsError(try FLAMEModel.load(dir.path + "/missing.pkl")) { XCTAssertTrue("\($0)".contains("cannot read"), "\($0)") }
    }
}
