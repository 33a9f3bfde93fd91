import Foundation
import Media

/// The batch's own files: folders made, job files written whole (a temporary, renamed), executable when asked.
public enum BatchFiles {
    /// Makes `path` and its parents; `what` names it in the error ("the crop folder").
    static func makeFolder(_ path: String, _ what: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.output, call: "mkdir", path: path, reason: "cannot create \(what)")
        }
    }

    public static func write(_ text: String, to path: String, executable: Bool = false) throws {
        try AtomicOutput.write(Data(text.utf8), to: path)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
    }
}
