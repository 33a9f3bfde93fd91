import Foundation
import Media

/// A test hook: with `NICER_FAIL_AT=<stage>` in the environment, `check(stage)` throws there, so
/// tests can see what a failure late in a run leaves behind. Nothing else can make those stages
/// fail on demand (a test runs as root in CI, so permissions cannot).
enum FailPoint {
    static func check(_ stage: String) throws {
        if ProcessInfo.processInfo.environment["NICER_FAIL_AT"] == stage {
            throw PipelineError("failing at \(stage) (NICER_FAIL_AT)")
        }
    }
}
