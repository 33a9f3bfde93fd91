import Foundation
public import Media
public import Stability

/// Every JSON and CSV file nicer writes goes through here: one encoder (sorted keys, so two runs
/// diff cleanly; pretty-printed; slashes unescaped, so paths read as paths) and atomic writes, so a
/// reader never sees half a file.
public enum ReportFiles {
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    public static func json<T: Encodable>(_ value: T, pretty: Bool = true) throws -> Data {
        try encoder(pretty: pretty).encode(value)
    }

    /// `value` as JSON at `path`, whole or not at all.
    public static func writeJSON<T: Encodable>(_ value: T, to path: String, pretty: Bool = true) throws {
        try AtomicOutput.write(try json(value, pretty: pretty), to: path)
    }

    public static func writeText(_ text: String, to path: String) throws {
        try AtomicOutput.write(Data(text.utf8), to: path)
    }

    /// e_stab per frame pair, one row per pair (numbered by its later frame), one column per proxy.
    public static func comparisonCSV(_ report: ComparisonReport) -> String {
        var lines = ["frame," + report.proxies.map(\.name).joined(separator: ",")]
        let count = report.proxies.map(\.frames.count).max() ?? 0
        for i in 0..<count {
            lines.append("\(i + 1)," + report.proxies.map { p in
                i < p.frames.count ? (p.frames[i].map { String(format: "%.9g", $0) } ?? "") : ""
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
