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
        PendingOutputs.shared.add(temporaryPath)
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
        PendingOutputs.shared.remove(temporaryPath)
    }

    /// `error` naming this output's final path where it named the temporary one, so a message
    /// names the file asked for (`OUT/masks/000008.png`, not `OUT/.masks.partial-…/000008.png`).
    public func namingFinal(_ error: Error) -> Error {
        guard let media = error as? MediaError, let path = media.path, path.hasPrefix(temporaryPath) else { return error }
        return MediaError(media.kind, call: media.call, path: finalPath + path.dropFirst(temporaryPath.count), reason: media.reason)
    }

    public func abandon() {
        try? FileManager.default.removeItem(atPath: temporaryPath)
        PendingOutputs.shared.remove(temporaryPath)
    }

    /// Removes temporaries that runs killed outright (no chance to clean up) left in `directory`
    /// and the folders below it, up to `depth` levels: those whose process is gone.
    public static func sweepStale(in directory: String, depth: Int = 3) {
        guard depth >= 0, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names {
            let path = directory + "/" + name
            var isDirectory: ObjCBool = false
            if let pid = writerProcess(name), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: path)
            } else if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                sweepStale(in: path, depth: depth - 1)
            }
        }
    }

    /// The process that writes a temporary named `.STEM.partial-PID-TOKEN[.EXT]`, or nil for other names.
    static func writerProcess(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), let range = name.range(of: ".partial-") else { return nil }
        return pid_t(name[range.upperBound...].prefix { $0.isNumber })
    }
}

/// Temporaries of outputs not yet committed, so an interrupted run can take them away before it
/// exits (`nicer` does on SIGINT and SIGTERM).
public final class PendingOutputs: @unchecked Sendable {
    public static let shared = PendingOutputs()
    // `paths` is touched only under `lock`.
    private let lock = NSLock()
    private var paths: Set<String> = []

    func add(_ path: String) { lock.withLock { _ = paths.insert(path) } }
    func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }

    /// Removes every pending temporary (file or folder); returns how many there were.
    @discardableResult
    public func removeAll() -> Int {
        lock.withLock {
            for path in paths { try? FileManager.default.removeItem(atPath: path) }
            defer { paths.removeAll() }
            return paths.count
        }
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
