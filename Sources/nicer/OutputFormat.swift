import ArgumentParser

/// One spelling of a command's output choice across commands: `--format text|json` (stab adds
/// csv). `--json`, probe's and bench train's flag before, stays as a hidden alias.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv

    static func help(_ allowed: [OutputFormat]) -> ArgumentHelp {
        ArgumentHelp("Output: \(allowed.map(\.rawValue).joined(separator: ", ")).", valueName: allowed.map(\.rawValue).joined(separator: "|"))
    }

    /// Refuses a format the command does not write.
    func check(_ allowed: [OutputFormat]) throws {
        guard allowed.contains(self) else {
            throw ValidationError("--format must be \(allowed.map(\.rawValue).joined(separator: " or "))")
        }
    }
}
