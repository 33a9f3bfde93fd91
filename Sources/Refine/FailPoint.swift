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

    /// With `NICER_KILL_AT=<stage>:<index>` in the environment, the process kills itself with
    /// SIGKILL when it reaches that point: nothing is cleaned up, as when a machine loses power.
    /// The robustness tests kill refine this way at points of every stage and resume it.
    static func kill(_ stage: String, _ index: Int = 0) {
        guard let spec = killSpec, spec == "\(stage):\(index)" else { return }
        _ = Foundation.kill(getpid(), SIGKILL)
    }

    private static let killSpec = ProcessInfo.processInfo.environment["NICER_KILL_AT"]
}
