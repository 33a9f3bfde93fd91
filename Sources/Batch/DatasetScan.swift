import Foundation
import Media

/// The items of a batch, sorted by method, compression and stem, from an FF++ tree or a CSV list.
public enum DatasetScan {
    public struct Filter: Sendable {
        /// Methods to take (FF++ folder names, e.g. Deepfakes); empty: all.
        public var methods: [String] = []
        public var compression = "c23"
        public init(methods: [String] = [], compression: String = "c23") { (self.methods, self.compression) = (methods, compression) }
    }

    /// An FF++ tree: `original_sequences/youtube/<c>/videos/NNN.mp4` and
    /// `manipulated_sequences/<Method>/<c>/videos/NNN_MMM.mp4` (the target is NNN). The official
    /// split files (`splits/train.json`, `val.json`, `test.json`: lists of [NNN, MMM]) label each
    /// item when present, under ROOT or ROOT/splits.
    public static func faceForensics(_ root: String, filter: Filter) throws -> [BatchItem] {
        let fm = FileManager.default
        let originals = "\(root)/original_sequences/youtube/\(filter.compression)/videos"
        let manipulated = "\(root)/manipulated_sequences"
        guard fm.fileExists(atPath: originals), fm.fileExists(atPath: manipulated) else {
            throw PipelineError("\(root) is not an FF++ tree: needs original_sequences/youtube/\(filter.compression)/videos and manipulated_sequences/<Method>/\(filter.compression)/videos")
        }
        let splits = try splitLabels(root)
        let methods = try fm.contentsOfDirectory(atPath: manipulated).filter { name in
            !name.hasPrefix(".") && !name.hasSuffix("-NICe") && (filter.methods.isEmpty || filter.methods.contains(name))
        }
        for wanted in filter.methods where !methods.contains(wanted) {
            throw PipelineError("\(manipulated)/\(wanted): no such method folder")
        }
        var items: [BatchItem] = []
        for method in methods {
            let folder = "\(manipulated)/\(method)/\(filter.compression)/videos"
            guard let names = try? fm.contentsOfDirectory(atPath: folder) else { continue }
            for name in names where name.lowercased().hasSuffix(".mp4") {
                let stem = String(name.dropLast(4))
                let parts = stem.split(separator: "_")
                guard parts.count == 2 else { continue }
                let target = "\(originals)/\(parts[0]).mp4"
                guard fm.fileExists(atPath: target) else {
                    throw PipelineError("\(folder)/\(name): its target \(target) is missing")
                }
                items.append(BatchItem(method: method, compression: filter.compression, stem: stem, target: target,
                                       proxy: "\(folder)/\(name)", split: splits["\(parts[0])_\(parts[1])"]))
            }
        }
        return sorted(items)
    }

    /// A CSV of `target,proxy[,method][,identity]`, one pair a line (a first line naming the
    /// columns is skipped; paths relative to the CSV's folder). Fields may be quoted.
    public static func pairsList(_ path: String) throws -> [BatchItem] {
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError("\(path): cannot read the pairs list") }
        guard let text = String(data: data, encoding: .utf8) else { throw PipelineError("\(path): the pairs list is not UTF-8 text") }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : base + "/" + p }
        var items: [BatchItem] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() {
            let fields = try csvFields(String(line), file: path, line: n + 1)
            if fields.allSatisfy({ $0.isEmpty }) { continue }
            if n == 0, fields.first?.lowercased() == "target" { continue }
            guard (2...4).contains(fields.count), !fields[0].isEmpty, !fields[1].isEmpty else {
                throw PipelineError("\(path):\(n + 1): expected target,proxy[,method][,identity], got \(fields.count) field(s)")
            }
            let proxy = resolve(fields[1])
            let stem = URL(fileURLWithPath: proxy).deletingPathExtension().lastPathComponent
            let method = fields.count > 2 && !fields[2].isEmpty ? fields[2] : "custom"
            items.append(BatchItem(method: method, compression: "custom", stem: stem, target: resolve(fields[0]), proxy: proxy,
                                   identity: fields.count > 3 && !fields[3].isEmpty ? resolve(fields[3]) : nil))
        }
        guard !items.isEmpty else { throw PipelineError("\(path): no pairs") }
        let ids = Dictionary(grouping: items, by: \.id).filter { $0.value.count > 1 }
        if let (id, _) = ids.first { throw PipelineError("\(path): two pairs share the output name \(id) (same method and swap file name)") }
        return sorted(items)
    }

    static func sorted(_ items: [BatchItem]) -> [BatchItem] {
        items.sorted { ($0.method, $0.compression, $0.stem) < ($1.method, $1.compression, $1.stem) }
    }

    /// FF++'s split files: pair "NNN_MMM" (and "MMM_NNN", both swap directions) → split name.
    static func splitLabels(_ root: String) throws -> [String: String] {
        var labels: [String: String] = [:]
        for split in ["train", "val", "test"] {
            guard let path = ["\(root)/splits/\(split).json", "\(root)/\(split).json"].first(where: FileManager.default.fileExists),
                  let data = FileManager.default.contents(atPath: path) else { continue }
            guard let pairs = try? JSONDecoder().decode([[String]].self, from: data) else {
                throw PipelineError("\(path): not FF++'s split format (a list of [\"NNN\", \"MMM\"] pairs)")
            }
            for pair in pairs where pair.count == 2 {
                labels["\(pair[0])_\(pair[1])"] = split
                labels["\(pair[1])_\(pair[0])"] = split
            }
        }
        return labels
    }

    /// One CSV line's fields (RFC 4180 quoting: "a,b" and "" inside quotes).
    static func csvFields(_ line: String, file: String, line number: Int) throws -> [String] {
        var fields: [String] = [], field = "", quoted = false, chars = Array(line), i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { field.append("\""); i += 1 } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty {
                quoted = true
            } else if c == "," {
                fields.append(field.trimmingCharacters(in: .whitespaces)); field = ""
            } else { field.append(c) }
            i += 1
        }
        guard !quoted else { throw PipelineError("\(file):\(number): unterminated quote") }
        fields.append(field.trimmingCharacters(in: .whitespaces))
        return fields
    }
}
