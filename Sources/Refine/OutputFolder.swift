import Foundation
import Media

/// A command's output folder: created when missing, refused when it is a file or not writable,
/// and swept of what a run killed outright left half-written.
enum OutputFolder {
    static func prepare(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw PipelineError("\(path) exists and is not a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.output, call: "mkdir", path: path, reason: "cannot create the output folder")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw MediaError(.output, call: "access", path: path, reason: "output folder is not writable")
        }
        AtomicOutput.sweepStale(in: path)  // what a run killed outright left half-written
    }
}
