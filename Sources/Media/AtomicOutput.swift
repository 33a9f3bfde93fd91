import Foundation

/// A path that receives output under a temporary name beside it and becomes visible under its
/// final name only through `commit()` (one rename). Abandoning removes the temporary.
public struct AtomicOutput: Sendable {
    public let finalPath: String
    public let temporaryPath: String

    public init(finalPath: String) throws {
        let url = URL(fileURLWithPath: finalPath)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw MediaError(.output, call: "open", path: finalPath, reason: "output folder \(directory) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: directory) else {
            throw MediaError(.output, call: "open", path: finalPath, reason: "output folder \(directory) is not writable")
        }
        // Keep the extension last so format guessing by name still works on the temporary.
        let ext = url.pathExtension
        let stem = url.deletingPathExtension().lastPathComponent
        let token = "\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let name = ".\(stem).partial-\(token)" + (ext.isEmpty ? "" : ".\(ext)")
        self.finalPath = finalPath
        self.temporaryPath = URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }

    /// Moves the temporary into place, replacing what was there.
    public func commit() throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: finalPath, isDirectory: &isDirectory), isDirectory.boolValue {
            try? fm.removeItem(atPath: finalPath)
        }
        guard rename(temporaryPath, finalPath) == 0 else {
            let reason = String(cString: strerror(errno))
            abandon()
            throw MediaError(.output, call: "rename", path: finalPath, reason: reason)
        }
    }

    public func abandon() {
        try? FileManager.default.removeItem(atPath: temporaryPath)
    }
}

extension AtomicOutput {
    /// Writes `data` to `path` through a temporary and a rename: readers see the old file or the
    /// whole new one, never a half-written one.
    public static func write(_ data: Data, to path: String) throws {
        let output = try AtomicOutput(finalPath: path)
        do {
            try data.write(to: URL(fileURLWithPath: output.temporaryPath))
            try output.commit()
        } catch {
            output.abandon()
            throw error as? MediaError ?? MediaError(.output, call: "write", path: path, reason: "\(error)")
        }
    }
}
