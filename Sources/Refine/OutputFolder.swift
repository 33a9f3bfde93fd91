import Foundation
import Media

/// A command's output folder: created when missing, refused when it is a file or not writable,
/// and swept of what a run killed outright left half-written.
enum OutputFolder {
    /// Returns whether the folder was made here, for `tidyAfterFailure`.
    @discardableResult
    static func prepare(_ path: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw PipelineError("\(path) exists and is not a folder")
        }
        let made = !FileManager.default.fileExists(atPath: path)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.output, call: "mkdir", path: path, reason: "cannot create the output folder")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw MediaError(.output, call: "access", path: path, reason: "output folder is not writable")
        }
        AtomicOutput.sweepStale(in: path)  // what a run killed outright left half-written
        return made
    }

    /// After a run failed: takes away the folders it left without a file in them (its `.work`,
    /// and the folder itself when the run made it), so bad input leaves no trace; folders that
    /// hold anything (checkpoints for `--resume`, a user's own files) stay.
    static func tidyAfterFailure(_ path: String, made: Bool) {
        removeIfNoFiles(path + "/.work")
        if made { removeIfNoFiles(path) }
    }

    /// Removes a folder tree that holds folders only; returns whether it did.
    @discardableResult
    static func removeIfNoFiles(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
              let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return false }
        // Every child is looked at (no short cut), so empty subfolders go even when a sibling stays.
        let emptied = names.map { removeIfNoFiles(path + "/" + $0) }
        guard emptied.allSatisfy({ $0 }) else { return false }
        return (try? FileManager.default.removeItem(atPath: path)) != nil
    }
}
