import Faces
import Foundation
import Media
import Reports
import Tensor

/// `--export deepfakebench`: face crops of every refined video and of its original, laid out as
/// DeepfakeBench's preprocessing lays them out (`frames/<stem>/NNN.png` beside `videos/`, NNN the
/// frame's index), and its dataset JSONs, so a detection team's training config points at them.
/// Crops: the largest face of each chosen frame (MMOD detector, 68 landmarks), aligned by
/// `AlignedFaceCrop`; frames without a face are left out, as DeepfakeBench does.
public enum DeepfakeBenchExport {
    public struct Settings: Codable, Equatable, Sendable {
        /// Frames a video, spread evenly over it (DeepfakeBench's fixed_num_frames mode).
        public var frames = 32
        /// Crop side in pixels, and DeepfakeBench's margin factor.
        public var size = 256
        public var scale = 1.3
        public init(frames: Int = 32) { self.frames = frames }
    }

    /// What an item's export wrote, relative to the batch folder.
    public struct Record: Codable, Equatable, Sendable {
        public var refinedFrames: [String]
        public var originalFrames: [String]
        public init(refinedFrames: [String], originalFrames: [String]) {
            (self.refinedFrames, self.originalFrames) = (refinedFrames, originalFrames)
        }
    }

    /// DeepfakeBench's labels for FF++'s methods and originals (its rearrange step), so its stock
    /// label_dict and loader read the export unchanged.
    static let faceForensicsLabels = ["Deepfakes": "FF-DF", "Face2Face": "FF-F2F", "FaceSwap": "FF-FS", "NeuralTextures": "FF-NT", "FaceShifter": "FF-FH"]
    static let faceForensicsReal = "FF-real"
    /// DeepfakeBench names a method's dataset by its label, except FaceShifter's.
    static let faceForensicsDatasets = ["FF-FH": "FaceShifter"]
    public static let folder = "deepfakebench"

    /// np.linspace(0, count − 1, n, dtype=int) without repeats: the frames DeepfakeBench takes.
    public static func frameIndices(count: Int, frames n: Int) -> [Int] {
        guard count > 0, n > 0 else { return [] }
        guard n > 1 else { return [0] }
        let step = Double(count - 1) / Double(n - 1)
        var chosen: [Int] = []
        for k in 0..<n {
            let index = Int(Double(k) * step)  // truncation, as numpy's integer cast
            if chosen.last != index { chosen.append(index) }
        }
        return chosen
    }

    /// Crops the chosen frames of `video` into `folder` (NNN.png, each written whole); returns the
    /// file names in frame order. A crop already there is kept (another item of the same target
    /// made it), so a rerun or a second method costs nothing.
    static func crops(of video: String, into folder: String, settings: Settings, faces: FaceFinder) throws -> [String] {
        let count = try VideoInfo.probe(path: video).frameCount
        let wanted = Set(frameIndices(count: count, frames: settings.frames))
        try BatchFiles.makeFolder(folder, "the crop folder")
        let reader = try VideoReader(path: video)
        let last = wanted.max() ?? -1
        var names: [String] = [], index = 0
        while index <= last {
            guard wanted.contains(index) else {
                guard try reader.skipFrame() else { break }
                index += 1
                continue
            }
            guard let frame = try reader.nextFrame() else { break }
            let name = String(format: "%03d.png", index)
            index += 1
            if FileManager.default.fileExists(atPath: folder + "/" + name) {
                names.append(name)
                continue
            }
            guard let landmarks = faces.largestFace(in: frame) else { continue }
            let crop = AlignedFaceCrop(landmarks: landmarks, size: settings.size, scale: settings.scale).extract(from: frame)
            try AtomicOutput.write(try PNG.encode(crop), to: folder + "/" + name)
            names.append(name)
        }
        return names
    }

    /// An item's crops: its refined video's and its original's.
    static func export(_ item: BatchItem, batch: String, settings: Settings, faces: FaceFinder) throws -> Record {
        let refined = try crops(of: batch + "/" + item.refinedPath, into: batch + "/" + item.refinedFramesPath, settings: settings, faces: faces)
        let original = try crops(of: item.target, into: batch + "/" + item.originalFramesPath, settings: settings, faces: faces)
        guard !refined.isEmpty else { throw PipelineError("no face found in the frames chosen from \(item.refinedPath)") }
        return Record(refinedFrames: refined.map { item.refinedFramesPath + "/" + $0 },
                      originalFrames: original.map { item.originalFramesPath + "/" + $0 })
    }

    /// The dataset JSONs in DeepfakeBench's nested form (dataset → label → split → compression →
    /// video → label and frames), absolute paths: for FF++ methods one `<label>.json` a method
    /// (that method's refined swaps with the originals, as DeepfakeBench's own FF-DF.json pairs
    /// them; FaceShifter's is FaceShifter.json) and `FaceForensics++.json` with every method; for a pairs list's methods
    /// `<method>.json` with labels `<method>_fake` and `<method>_real` and no compression level
    /// (DeepfakeBench's form for datasets other than FF++). Videos without an official split go
    /// to train. Returns the files written.
    public static func writeDatasets(batch: String, plan: BatchPlan, records: [String: Record]) throws -> [String] {
        let root = URL(fileURLWithPath: batch).standardizedFileURL.path
        typealias Videos = [String: Video]
        var fake: [String: [String: [String: Videos]]] = [:]  // label → split → compression → videos
        // The originals of each fake label's swaps (a method's file pairs its swaps with their own
        // targets), and of every FF++ method together for FaceForensics++.json.
        var real: [String: [String: [String: Videos]]] = [:]  // fake label → split → compression → videos
        var allReal: [String: [String: Videos]] = [:]
        var realOf: [String: String] = [:]  // fake label → its real label
        var ffLabels: [String] = []
        for item in plan.items {
            guard let record = records[item.id] else { continue }
            let ff = faceForensicsLabels[item.method]
            let label = ff ?? item.method + "_fake", realLabel = ff == nil ? item.method + "_real" : faceForensicsReal
            if ff != nil, !ffLabels.contains(label) { ffLabels.append(label) }
            realOf[label] = realLabel
            let split = item.split ?? "train"
            fake[label, default: [:]][split, default: [:]][item.compression, default: [:]][item.stem] =
                Video(label: label, frames: record.refinedFrames.map { root + "/" + $0 })
            if !record.originalFrames.isEmpty {
                let video = Video(label: realLabel, frames: record.originalFrames.map { root + "/" + $0 })
                real[label, default: [:]][split, default: [:]][item.compression, default: [:]][item.targetStem] = video
                if ff != nil { allReal[split, default: [:]][item.compression, default: [:]][item.targetStem] = video }
            }
        }
        let compressions = Set(plan.items.map(\.compression)).sorted()
        // Every split and compression key present, even empty: DeepfakeBench's loader indexes them.
        func nested(_ table: [String: [String: Videos]]?, withCompression: Bool) -> JSONValue {
            .object(Dictionary(uniqueKeysWithValues: ["train", "val", "test"].map { split in
                let levels = table?[split] ?? [:]
                if withCompression {
                    return (split, .object(Dictionary(uniqueKeysWithValues: compressions.map { ($0, videos(levels[$0] ?? [:])) })))
                }
                return (split, videos(levels.values.reduce(into: Videos()) { $0.merge($1) { a, _ in a } }))
            }))
        }
        let folder = batch + "/" + Self.folder
        try BatchFiles.makeFolder(folder, "the export folder")
        var written: [String] = []
        func write(_ name: String, _ value: JSONValue) throws {
            let path = "\(folder)/\(name).json"
            try ReportFiles.writeJSON(value, to: path)
            written.append(path)
        }
        for label in fake.keys.sorted() {
            let ff = ffLabels.contains(label), realLabel = realOf[label]!
            let dataset = ff ? faceForensicsDatasets[label] ?? label : String(label.dropLast("_fake".count))
            try write(dataset, .object([dataset: .object([
                label: nested(fake[label], withCompression: ff), realLabel: nested(real[label], withCompression: ff),
            ])]))
        }
        if !ffLabels.isEmpty {
            var labels: [String: JSONValue] = [faceForensicsReal: nested(allReal, withCompression: true)]
            for label in ffLabels { labels[label] = nested(fake[label], withCompression: true) }
            try write("FaceForensics++", .object(["FaceForensics++": .object(labels)]))
        }
        return written
    }

    struct Video { var label: String; var frames: [String] }

    static func videos(_ table: [String: Video]) -> JSONValue {
        .object(table.mapValues { .object(["label": .string($0.label), "frames": .array($0.frames.map(JSONValue.string))]) })
    }
}

extension BatchItem {
    /// The refined video's crops: `frames/<stem>` beside its `videos` folder.
    var refinedFramesPath: String { "manipulated_sequences/\(Self.safe(method))-NICe/\(Self.safe(compression))/frames/\(Self.safe(stem))" }
    /// The original's crops, FF++'s tree for originals (shared by every swap of the target).
    var originalFramesPath: String { "original_sequences/youtube/\(Self.safe(compression))/frames/\(Self.safe(targetStem))" }
    var targetStem: String { URL(fileURLWithPath: target).deletingPathExtension().lastPathComponent }
}
