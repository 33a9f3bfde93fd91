import Faces
import Foundation
import Media
import Reports
import Stability
import Tensor

/// What `nicer faces` does and writes; every field has a default and a range.
public struct FaceAnalysisOptions: Codable, Equatable, Sendable {
    public var tracker = FaceTrackerOptions()
    /// Temporal smoothing of the landmarks, Gaussian σ in frames (0 = none, up to 10).
    public var smoothing = 1.5
    /// Compute the 128-d identity descriptor of every frame's face.
    public var descriptors = true
    /// Write one mask PNG per frame (from the smoothed landmarks) into masks/.
    public var masks = false
    public var mask = FaceMaskOptions()
    /// Write preview.mp4: the video with boxes and smoothed landmarks drawn on.
    public var preview = true

    public init() {}
}

public struct FrameFaces: Codable, Equatable, Sendable {
    public var index: Int
    public var box: FaceBox?
    public var detected: Bool
    public var confidence: Float?
    /// dlib's 68 points (exact), then the same smoothed over time (sub-pixel).
    public var landmarks: [[Int]]?
    public var smoothed: [[Double]]?
    public var landmarks5: [[Int]]?
    public var descriptor: [Float]?
}

public struct FaceAnalysisSummary: Codable, Equatable, Sendable {
    public var frames: Int
    public var framesWithFace: Int
    public var detectorRuns: Int
    /// Landmark jitter (mean second difference in inter-ocular distances) before and after smoothing.
    public var jitterRaw: Double
    public var jitterSmoothed: Double
    public var meanEyeOpening: Double?
    public var meanMouthOpening: Double?
    /// Mean cosine similarity of each frame's descriptor to the clip's mean descriptor.
    public var identityConsistency: Double?
}

public struct FaceAnalysisReport: Codable, Equatable, Sendable {
    public var video: String
    public var width: Int
    public var height: Int
    public var fps: Double
    public var models: [String: String]
    public var options: FaceAnalysisOptions
    public var summary: FaceAnalysisSummary
    public var frames: [FrameFaces]
}

/// `nicer faces`: tracks the face through a video, then writes faces.json (boxes, exact and
/// smoothed landmarks, descriptors, summary), the resolved options, and optionally an overlay
/// preview and per-frame mask PNGs. Every output appears whole or not at all.
public enum FaceVideoAnalysis {
    public static func run(video: String, outputDirectory: String, options: FaceAnalysisOptions, models: FaceModels,
                           progress: ((String, Int, Int) -> Void)? = nil) throws -> FaceAnalysisReport {
        let info = try VideoInfo.probe(path: video, countFrames: true)
        let tracker = FaceTracker(detector: try FaceDetector(path: models.detector),
                                  landmarks68: try ShapePredictor(path: models.landmarks68), options: options.tracker)
        let predictor5 = try ShapePredictor(path: models.landmarks5)
        let identity = options.descriptors ? try FaceIdentity(path: models.identity) : nil
        let made = try OutputFolder.prepare(outputDirectory)
        var complete = false
        defer { if !complete { OutputFolder.tidyAfterFailure(outputDirectory, made: made) } }

        var frames: [FrameFaces] = []
        var raw: [[Landmark]?] = []
        let reader = try ReadAheadReader(path: video)
        while let frame = try reader.nextFrame() {
            let face = tracker.next(frame)
            var entry = FrameFaces(index: frames.count, box: face?.box, detected: face?.detected ?? false, confidence: face?.confidence)
            if let face {
                entry.landmarks = face.landmarks.map { [$0.x, $0.y] }
                let five = predictor5.predict(frame, box: face.box)
                entry.landmarks5 = five.map { [$0.x, $0.y] }
                if let identity { entry.descriptor = identity.descriptor(FaceChip(landmarks: five).extract(from: frame)) }
            }
            raw.append(face?.landmarks)
            frames.append(entry)
            progress?("faces", frames.count, info.frameCount)
        }
        guard raw.contains(where: { $0 != nil }) else {
            throw PipelineError("no face found in \(video) (the detector finds faces of about 80 pixels and up)")
        }
        let smoothed = TrackSmoothing.smooth(raw, sigma: options.smoothing)
        for t in frames.indices { frames[t].smoothed = smoothed[t]?.map { [$0.x, $0.y] } }

        let report = FaceAnalysisReport(
            video: video, width: info.width, height: info.height, fps: info.fps.value, models: models.paths, options: options,
            summary: summarise(frames, raw: raw, smoothed: smoothed, detectorRuns: tracker.detectorRuns), frames: frames)
        if options.preview || options.masks {
            try render(video: video, info: info, smoothed: smoothed, boxes: frames.map(\.box), outputDirectory: outputDirectory,
                       options: options, progress: progress)
        }
        try ReportFiles.writeJSON(report, to: outputDirectory + "/faces.json", pretty: false)
        try ReportFiles.writeJSON(options, to: outputDirectory + "/faces-config.json")
        complete = true
        return report
    }

    static func summarise(_ frames: [FrameFaces], raw: [[Landmark]?], smoothed: [[SIMD2<Double>]?], detectorRuns: Int) -> FaceAnalysisSummary {
        let present = raw.compactMap { $0 }
        // Jitter over runs of consecutive frames with a face.
        func jitter(_ sets: [[Landmark]?]) -> Double {
            var runs: [[[Landmark]]] = [[]]
            for s in sets { if let s { runs[runs.count - 1].append(s) } else { runs.append([]) } }
            let usable = runs.filter { $0.count >= 3 }
            guard !usable.isEmpty else { return 0 }
            let total = usable.reduce(0.0) { $0 + FaceMetrics.jitter($1) * Double($1.count - 2) }
            return total / Double(usable.reduce(0) { $0 + $1.count - 2 })
        }
        // Smoothed points are scored at sub-pixel precision (×16 fixed point keeps the integer metric).
        let fine = smoothed.map { $0?.map { Landmark(x: Int(($0.x * 16).rounded()), y: Int(($0.y * 16).rounded())) } }
        let descriptors = frames.compactMap(\.descriptor)
        let consistency = descriptors.isEmpty ? nil : FaceComparison.consistency(descriptors)
        return FaceAnalysisSummary(
            frames: frames.count, framesWithFace: present.count, detectorRuns: detectorRuns,
            jitterRaw: jitter(raw), jitterSmoothed: jitter(fine),
            meanEyeOpening: present.isEmpty ? nil : present.reduce(0) { $0 + FaceMetrics.eyeOpening($1) } / Double(present.count),
            meanMouthOpening: present.isEmpty ? nil : present.reduce(0) { $0 + FaceMetrics.mouthOpening($1) } / Double(present.count),
            identityConsistency: consistency)
    }

    /// Second pass: the overlay preview and the mask frames, each committed only when complete.
    static func render(video: String, info: VideoInfo, smoothed: [[SIMD2<Double>]?], boxes: [FaceBox?], outputDirectory: String,
                       options: FaceAnalysisOptions, progress: ((String, Int, Int) -> Void)?) throws {
        let reader = try ReadAheadReader(path: video)
        let writer = options.preview
            ? try VideoWriter(path: outputDirectory + "/preview.mp4", width: info.width, height: info.height,
                              options: VideoWriterOptions(encoding: .h264(crf: 23, preset: "veryfast"), fps: info.fps))
            : nil
        let masks = options.masks ? try AtomicOutput(finalPath: outputDirectory + "/masks") : nil
        if let masks { try FileManager.default.createDirectory(atPath: masks.temporaryPath, withIntermediateDirectories: true) }
        do {
            var t = 0
            while var frame = try reader.nextFrame() {
                let points = t < smoothed.count ? smoothed[t] : nil
                if let masks {
                    let mask = points.map { FaceMask.render($0, width: frame.width, height: frame.height, options: options.mask) }
                        ?? Image8(width: frame.width, height: frame.height, channels: 1)
                    try PNG.write(mask, to: masks.temporaryPath + String(format: "/%06d.png", t + 1))
                }
                if let writer {
                    if let box = t < boxes.count ? boxes[t] : nil { Overlay.rectangle(box, colour: (40, 220, 60), on: &frame) }
                    for p in points ?? [] { Overlay.dot(x: Int(p.x.rounded()), y: Int(p.y.rounded()), colour: (255, 40, 40), on: &frame) }
                    try writer.write(frame)
                }
                t += 1
                progress?("render", t, info.frameCount)
            }
            try writer?.finish()
            try masks?.commit()
        } catch {
            masks?.abandon()
            throw error
        }
    }
}

/// Drawing for previews (RGB Image8, clipped at the borders).
enum Overlay {
    static func put(_ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8), _ image: inout Image8) {
        guard x >= 0, y >= 0, x < image.width, y < image.height, image.channels >= 3 else { return }
        let o = (y * image.width + x) * image.channels
        (image.pixels[o], image.pixels[o + 1], image.pixels[o + 2]) = c
    }

    static func rectangle(_ b: FaceBox, colour: (UInt8, UInt8, UInt8), on image: inout Image8) {
        let thickness = max(1, image.width / 640)
        for k in 0..<thickness {
            for x in b.left...max(b.left, b.right) { put(x, b.top + k, colour, &image); put(x, b.bottom - k, colour, &image) }
            for y in b.top...max(b.top, b.bottom) { put(b.left + k, y, colour, &image); put(b.right - k, y, colour, &image) }
        }
    }

    /// A one-pixel line (DDA), for wireframes.
    static func line(_ a: SIMD2<Double>, _ b: SIMD2<Double>, colour: (UInt8, UInt8, UInt8), on image: inout Image8) {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite else { return }
        let steps = min(4096, Int(max(abs(b.x - a.x), abs(b.y - a.y)).rounded(.up)) + 1)
        for k in 0...steps {
            let p = a + (b - a) * (Double(k) / Double(steps))
            put(Int(p.x.rounded()), Int(p.y.rounded()), colour, &image)
        }
    }

    static func dot(x: Int, y: Int, colour: (UInt8, UInt8, UInt8), on image: inout Image8) {
        let r = max(1, image.width / 640)
        for dy in -r...r { for dx in -r...r { put(x + dx, y + dy, colour, &image) } }
    }
}
