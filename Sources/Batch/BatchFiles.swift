import Foundation
import Media


/// Job files written whole (a temporary, renamed), executable when asked.
public enum BatchFiles {
    public static func write(_ text: String, to path: String, executable: Bool = false) throws {
        try AtomicOutput.write(Data(text.utf8), to: path)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
    }
}
