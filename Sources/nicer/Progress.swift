import Foundation

/// One self-overwriting progress line on stderr (only when stderr is a terminal), ending with a newline.
enum Progress {
    static let interactive = isatty(STDERR_FILENO) == 1

    static func line(_ label: String, done: Int, total: Int, since start: Date) {
        guard interactive else { return }
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let text = String(format: "\r%@ [%@] %d/%d  %.1fs elapsed, ETA %.1fs", label, bar, done, total, elapsed, eta)
        FileHandle.standardError.write(Data(text.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
