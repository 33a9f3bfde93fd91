internal import CProcess
import Foundation
import Media

/// A refine that `nicer batch` started ends with the batch process, killed outright too, so no
/// orphan works on beside the batch's rerun. The batch names itself in NICER_PARENT_PID.
public enum ParentWatch {
    public static let variable = "NICER_PARENT_PID"

    /// Asks for SIGTERM when the parent goes (the interrupt handler then removes partial
    /// outputs); exits 143 at once when the parent has gone already.
    public static func endWithParent(environment: [String: String]) throws {
        guard let parent = environment[variable].flatMap({ pid_t($0) }) else { return }
        guard nicer_signal_on_parent_death(SIGTERM) == 0 else {
            throw PipelineError("prctl(PR_SET_PDEATHSIG) failed: \(String(cString: strerror(errno)))")
        }
        if getppid() != parent { _exit(143) }
    }
}
