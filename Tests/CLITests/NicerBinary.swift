import Foundation
import TestSupport
import XCTest

/// The built `nicer` executable beside the test bundle.
func nicerPath() throws -> String {
    let bundle = Bundle.main.bundleURL
    for folder in [bundle, bundle.deletingLastPathComponent()] {
        let candidate = folder.appendingPathComponent("nicer").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestSupportError("nicer binary not found next to \(bundle.path); build it with swift build")
}

func nicer(_ arguments: [String], in directory: String? = nil) throws -> ProcessResult {
    try runProcess(try nicerPath(), arguments, in: directory)
}
