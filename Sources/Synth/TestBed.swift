import Foundation
import Media
import Tensor

/// The JSON written beside a synthetic clip: the config that made it, its files, and per frame
/// the face pose and what was injected where.
public struct Manifest: Codable, Equatable, Sendable {
    public struct Files: Codable, Equatable, Sendable {
        public var target: String
        public var gt: String
        public var proxy: String
        /// Folder of gray PNG face masks, one per frame (000000.png, …).
        public var masks: String
        /// The target face's true 68-point landmarks per frame (iBUG order, `LandmarkTrack`).
        public var landmarks: String?
        /// PNG photos of the source identity (`--identity-photos`), and their true landmarks (one
        /// `LandmarkTrack` entry per photo, in order: refine's `--identity-landmarks`).
        public var identity: [String]?
        public var identityLandmarks: String?
    }

    public var generator: String
    public var config: TestBedConfig
    public var encoding: String
    public var files: Files
    public var frames: [FrameRecord]

    public static func load(from path: String) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Writes synthetic clips to disk.
public enum TestBed {
    /// How the three videos are encoded.
    public enum Encoding: String, Codable, Sendable, CaseIterable {
        /// H.264 (.mp4) at CRF 12, like a real swap's output.
        case h264
        /// FFV1 (.mkv), bit-exact RGB, so proxy − gt shows exactly the injected faults.
        case lossless
    }

    /// Renders every frame and writes target/gt/proxy videos, mask PNGs and manifest.json into
    /// `directory`. Everything lands in a temporary sibling folder that is renamed at the end, so
    /// an interrupted run leaves no half-written clip.
    @discardableResult
    public static func generate(config: TestBedConfig, encoding: Encoding, into directory: String,
                                replacing: Bool = false,
                                progress: ((_ done: Int, _ total: Int) -> Void)? = nil) throws -> Manifest {
        let renderer = try TestBedRenderer(config: config)
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            let empty = isDirectory.boolValue && ((try? fm.contentsOfDirectory(atPath: directory))?.isEmpty ?? false)
            guard replacing || empty else { throw SynthError.outputExists(directory) }
        }
        let final = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = final.deletingLastPathComponent()
        guard fm.fileExists(atPath: parent.path) else {
            throw MediaError(.output, call: "mkdir", path: directory, reason: "parent folder \(parent.path) does not exist")
        }
        let staging = parent.appendingPathComponent(".\(final.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: staging)
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
            try fm.createDirectory(at: staging.appendingPathComponent("masks"), withIntermediateDirectories: false)
        } catch {
            throw MediaError(.output, call: "mkdir", path: directory, reason: "cannot create folder: \(error.localizedDescription)")
        }
        var committed = false
        defer { if !committed { try? fm.removeItem(at: staging) } }

        let ext = encoding == .h264 ? "mp4" : "mkv"
        var files = Manifest.Files(target: "target.\(ext)", gt: "gt.\(ext)", proxy: "proxy.\(ext)", masks: "masks", landmarks: "landmarks.json")
        let photoCount = config.identityPhotos ?? 0
        if photoCount > 0 {
            files.identity = (1...photoCount).map { String(format: "identity/photo-%02d.png", $0) }
            files.identityLandmarks = "identity/landmarks.json"
        }
        let options = VideoWriterOptions(
            encoding: encoding == .h264 ? .h264(crf: 12, preset: "medium") : .lossless,
            fps: Rational(config.fps, 1))
        func writer(_ name: String) throws -> VideoWriter {
            try VideoWriter(path: staging.appendingPathComponent(name).path, width: config.width, height: config.height,
                            options: options)
        }
        let target = try writer(files.target), gt = try writer(files.gt), proxy = try writer(files.proxy)
        var records: [FrameRecord] = []
        for index in 0..<config.frames {
            let frame = renderer.render(frame: index)
            try target.write(frame.target)
            try gt.write(frame.gt)
            try proxy.write(frame.proxy)
            try PNG.write(frame.mask, to: staging.appendingPathComponent("masks").appendingPathComponent(
                String(format: "%06d.png", index)).path)
            records.append(frame.record)
            progress?(index + 1, config.frames)
        }
        try target.finish()
        try gt.finish()
        try proxy.finish()

        let manifest = Manifest(generator: "nicer synth", config: config, encoding: encoding.rawValue, files: files,
                                frames: records)
        let json = JSONEncoder()
        json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try json.encode(manifest).write(to: staging.appendingPathComponent("manifest.json"))
        let noise = config.landmarkNoise ?? 0
        let track = LandmarkTrack(source: "nicer synth (the drawn face's layout" + (noise > 0 ? String(format: ", tracker noise %.2g px)", noise) : ")"),
                                  frames: records.map { record in
                                      // Each frame's noise from its own stream, like a tracker's per-frame error.
                                      var rng = SplitMix64(seed: config.seed, stream: 9, index: UInt64(record.index))
                                      return record.pose.landmarks68().map { p in
                                          noise > 0 ? [p.x + noise * rng.normal(), p.y + noise * rng.normal()] : [p.x, p.y]
                                      }
                                  })
        try json.encode(track).write(to: staging.appendingPathComponent("landmarks.json"))
        if let photos = files.identity, let photoLandmarks = files.identityLandmarks {
            do {
                try fm.createDirectory(at: staging.appendingPathComponent("identity"), withIntermediateDirectories: false)
            } catch {
                throw MediaError(.output, call: "mkdir", path: directory, reason: "cannot create identity/: \(error.localizedDescription)")
            }
            var points: [[[Double]]?] = []
            for (k, name) in photos.enumerated() {
                let photo = renderer.identityPhoto(k)
                try PNG.write(photo.image, to: staging.appendingPathComponent(name).path)
                points.append(photo.landmarks.map { [$0.x, $0.y] })
            }
            try json.encode(LandmarkTrack(source: "nicer synth (the identity photos' drawn layout)", frames: points))
                .write(to: staging.appendingPathComponent(photoLandmarks))
        }

        if fm.fileExists(atPath: final.path) { try fm.removeItem(at: final) }
        do {
            try fm.moveItem(at: staging, to: final)
        } catch {
            throw MediaError(.output, call: "rename", path: directory, reason: error.localizedDescription)
        }
        committed = true
        return manifest
    }
}
