import Foundation
import Media
import Reports

/// One item's record in `OUT/state/<id>.json`: where it stands, how often it was tried, why it
/// failed, and its figures once done.
public struct ItemState: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable { case queued, running, done, failed }

    public var id: String
    public var status: Status
    public var attempts: Int = 0
    /// Why the last attempt failed (refine's own error line and exit status).
    public var reason: String?
    /// Who ran the last attempt (host and process) and when it started and ended.
    public var worker: String?
    public var started: Date?
    public var finished: Date?
    public var seconds: Double?
    public var figures: ItemFigures?
    /// The crops `--export deepfakebench` wrote for the item.
    public var export: DeepfakeBenchExport.Record?

    public init(id: String, status: Status = .queued) { (self.id, self.status) = (id, status) }
}

/// What the summary needs of an item's report.json.
public struct ItemFigures: Codable, Equatable, Sendable {
    public var frames: Int
    /// e_stab means and medians over frame pairs in the paste masks: target, swap, refined.
    public var targetMean: Double, targetMedian: Double
    public var swapMean: Double, swapMedian: Double
    public var refinedMean: Double, refinedMedian: Double
    public var fidelity: Double
    public var lessStableThanSwap: Bool
    public var warnings: [String]

    public init(frames: Int, targetMean: Double, targetMedian: Double, swapMean: Double, swapMedian: Double, refinedMean: Double,
                refinedMedian: Double, fidelity: Double, lessStableThanSwap: Bool, warnings: [String]) {
        (self.frames, self.targetMean, self.targetMedian, self.swapMean, self.swapMedian) = (frames, targetMean, targetMedian, swapMean, swapMedian)
        (self.refinedMean, self.refinedMedian, self.fidelity, self.lessStableThanSwap, self.warnings) =
            (refinedMean, refinedMedian, fidelity, lessStableThanSwap, warnings)
    }
}

/// The state records and locks of a batch folder. A lock is a file made with O_EXCL, holding its
/// worker; the worker touches it every minute, so a lock left by a killed worker is taken over
/// once it is older than `staleAfter` (or at once, on the same host, when its process is gone).
/// Shared storage (NFS, Lustre, …) is assumed when several machines work on one folder.
public final class StateStore: @unchecked Sendable {
    public let folder: String
    public let staleAfter: TimeInterval
    public static let heartbeat: TimeInterval = 60

    public init(batch: String, staleAfter: TimeInterval = 30 * 60) throws {
        folder = batch + "/state"
        self.staleAfter = staleAfter
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.output, call: "mkdir", path: folder, reason: "cannot create the batch's state folder")
        }
    }

    public static var worker: String { "\(ProcessInfo.processInfo.hostName):\(getpid())" }

    func path(_ id: String) -> String { "\(folder)/\(id).json" }
    public func lockPath(_ id: String) -> String { "\(folder)/\(id).lock" }

    public func read(_ id: String) -> ItemState? {
        guard let data = FileManager.default.contents(atPath: path(id)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ItemState.self, from: data)
    }

    public func write(_ state: ItemState) throws {
        let encoder = ReportFiles.encoder()
        encoder.dateEncodingStrategy = .iso8601
        try AtomicOutput.write(try encoder.encode(state), to: path(state.id))
    }

    /// Takes the item's lock; false when another live worker holds it.
    public func lock(_ id: String) -> Bool {
        let file = lockPath(id)
        for _ in 0..<2 {
            let fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0o644)
            if fd >= 0 {
                let text = Self.worker + "\n"
                _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
                close(fd)
                return true
            }
            guard errno == EEXIST, isStale(file) else { return false }
            try? FileManager.default.removeItem(atPath: file)
        }
        return false
    }

    public func unlock(_ id: String) { try? FileManager.default.removeItem(atPath: lockPath(id)) }

    /// Marks the lock alive (its modification time).
    public func touch(_ id: String) { _ = utimes(lockPath(id), nil) }

    public func isLocked(_ id: String) -> Bool {
        FileManager.default.fileExists(atPath: lockPath(id)) && !isStale(lockPath(id))
    }

    func isStale(_ file: String) -> Bool {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
              let modified = attributes[.modificationDate] as? Date else { return false }
        if Date().timeIntervalSince(modified) > staleAfter { return true }
        // On this host a dead holder is certain at once.
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return false }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":")
        guard parts.count == 2, String(parts[0]) == ProcessInfo.processInfo.hostName, let pid = pid_t(parts[1]) else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
