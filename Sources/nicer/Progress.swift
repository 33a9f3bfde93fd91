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

extension Progress {
    /// A free-form status line with the elapsed time (overwritten in place on a terminal; lines
    /// that report an epoch are kept).
    static func status(_ text: String, since start: Date) {
        let elapsed = Date().timeIntervalSince(start)
        let line = String(format: "[%6.1fs] %@", elapsed, text)
        if interactive {
            let keep = text.contains("e_stab") || text.contains("resuming")
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line + (keep ? "\n" : "")).utf8))
        } else if text.contains("e_stab") || text.contains("resuming") {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    static func finish() {
        if interactive { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
