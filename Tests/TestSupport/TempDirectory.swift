import Foundation

/// A fresh folder under the system temp dir, removed when the value is deinitialised.
public final class TempDirectory {
    public let path: String

    public init(_ label: String = "nicer-test") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        path = base.path
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Names in the folder, sorted.
    public func contents() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
