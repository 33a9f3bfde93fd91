import Face3D
import Faces
import Foundation
import Media
import Reports
import Stability
import Tensor

/// fit3d.json: the 3D face fit of a video, per frame.
public struct Fit3DReport: Codable, Sendable {
    public struct Frame: Codable, Sendable {
        public var index: Int
        /// Head rotation (degrees; yaw about the vertical axis, pitch, roll).
        public var yaw: Double
        public var pitch: Double
        public var roll: Double
        /// Weak-perspective camera: pixels per model unit and the image translation.
        public var scale: Double
        public var translation: [Double]
        /// FLAME only: expression ψ, global and jaw axis-angle pose.
        public var expression: [Double]?
        public var globalPose: [Double]?
        public var jawPose: [Double]?
        /// RMS distance of the model's landmarks to the tracked ones, pixels.
        public var landmarkError: Double
    }

    public var video: String
    /// Which prior: FLAME (file) or the landmark prior.
    public var prior: String
    public var landmarks: String
    /// FLAME: shape β. Landmark prior: the person's 68 3D points (x, y, z per point, face-box units).
    public var shape: [Double]
    public var frames: [Frame]
}

/// `nicer fit3d`: fits the 3D face prior (FLAME when given, else the landmark prior) to a
/// video's 68-point landmarks; writes fit3d.json and overlay.mp4 (the model's wireframe in green
/// over the frames, tracked landmarks in red).
public enum Fit3DJob {
    public static func run(video: String, output: String, landmarkFile: String?, flame: String?, flameEmbedding: String?,
                           models: FaceModels, progress: @escaping (String) -> Void) throws -> Fit3DReport {
        let info = try VideoInfo.probe(path: video, countFrames: true)
        // FLAME files are read before any output exists: a missing or hostile file leaves nothing behind.
        var loaded: (FLAMEModel, LandmarkEmbedding)?
        if let flame {
            guard let flameEmbedding else { throw PipelineError("FLAME needs its 68-landmark embedding: --flame-embedding PATH or NICER_FLAME_EMBEDDING") }
            let model = try FLAMEModel.load(flame)
            loaded = (model, try LandmarkEmbedding.load(flameEmbedding, model: model))
        }
        let made = try OutputFolder.prepare(output)
        var complete = false
        defer { if !complete { OutputFolder.tidyAfterFailure(output, made: made) } }
        let (tracks, source) = try landmarks(video: video, frames: info.frameCount, size: (info.width, info.height), file: landmarkFile, models: models, progress: progress)
        var report: Fit3DReport
        var wireframes: [[(SIMD2<Double>, SIMD2<Double>)]] = []
        if let flame, let (model, embedding) = loaded {
            progress("fitting FLAME to \(tracks.count) frames")
            let fit = FLAMEFitter(model: model, embedding: embedding).fit(tracks) { iteration, error in
                progress(String(format: "FLAME fit iteration %d: RMS landmark error %.2f px", iteration, error))
            }
            let edges = Self.edges(model.triangles)
            report = Fit3DReport(video: video, prior: "FLAME (\(flame))", landmarks: source, shape: fit.shape, frames: fit.frames.indices.map { t in
                let f = fit.frames[t]
                let angles = Self.angles(Matrix3.rotation(axisAngle: f.globalPose))
                return .init(index: t, yaw: angles.yaw, pitch: angles.pitch, roll: angles.roll, scale: f.camera.scale,
                             translation: [f.camera.tx, f.camera.ty], expression: f.expression,
                             globalPose: [f.globalPose.x, f.globalPose.y, f.globalPose.z], jawPose: [f.jawPose.x, f.jawPose.y, f.jawPose.z],
                             landmarkError: f.landmarkError)
            })
            wireframes = fit.frames.indices.map { t in
                let points = model.forward(fit.parameters(t)).vertices.map { fit.frames[t].camera.project($0) }
                return edges.map { (points[$0.0], points[$0.1]) }
            }
        } else {
            let prior = LandmarkPrior(meanShape: try ShapePredictor(path: models.landmarks68).meanShape, tracks: tracks)
            let edges = Self.edges(prior.triangles)
            var frames: [Fit3DReport.Frame] = []
            for (t, points) in tracks.enumerated() {
                let (rotation, scale, translation) = prior.pose(points)
                let projected = prior.shape.map { p -> SIMD2<Double> in let q = rotation * p; return scale * SIMD2(q.x, q.y) + translation }
                let error = (zip(projected, points).map { (($0 - $1) * ($0 - $1)).sum() }.reduce(0, +) / 68).squareRoot()
                // Image axes have y down; report angles in the usual head convention (yaw right-positive seen by the viewer).
                let angles = Self.angles(rotation)
                frames.append(.init(index: t, yaw: angles.yaw, pitch: angles.pitch, roll: angles.roll, scale: scale,
                                    translation: [translation.x, translation.y], landmarkError: error))
                wireframes.append(edges.map { (projected[$0.0], projected[$0.1]) })
            }
            report = Fit3DReport(video: video, prior: LandmarkPrior.name, landmarks: source,
                                 shape: prior.shape.flatMap { [$0.x, $0.y, $0.z] }, frames: frames)
        }
        try overlay(video: video, info: info, wireframes: wireframes, tracks: tracks, output: output + "/overlay.mp4", progress: progress)
        try ReportFiles.writeJSON(report, to: output + "/fit3d.json", pretty: false)
        complete = true
        return report
    }

    /// Tracked (smoothed, gaps filled from the nearest frame) or file landmarks for every frame.
    static func landmarks(video: String, frames: Int, size: (width: Int, height: Int), file: String?, models: FaceModels,
                          progress: (String) -> Void) throws -> ([[SIMD2<Double>]], String) {
        var raw: [[SIMD2<Double>]?]
        let source: String
        if let file {
            raw = try LandmarkFile.read(file, frames: frames, size: size)
            source = file
        } else {
            let tracker = FaceTracker(detector: try FaceDetector(path: models.detector), landmarks68: try ShapePredictor(path: models.landmarks68))
            var found: [[Landmark]?] = []
            let reader = try ReadAheadReader(path: video)
            while let frame = try reader.nextFrame() {
                found.append(tracker.next(frame)?.landmarks)
                progress("landmarks \(found.count)/\(frames)")
            }
            guard found.contains(where: { $0 != nil }) else { throw PipelineError("no face found in \(video) (the detector needs faces of about 80 pixels and up)") }
            raw = TrackSmoothing.smooth(found, sigma: 1.5)
            source = "68-point landmarks of the video (MMOD detector + tracker, smoothed)"
        }
        return (FaceRegions.fillGaps(raw), source)
    }

    static func edges(_ triangles: [SIMD3<Int32>]) -> [(Int, Int)] {
        var seen = Set<Int>(), out: [(Int, Int)] = []
        for t in triangles {
            for (a, b) in [(t.x, t.y), (t.y, t.z), (t.z, t.x)] {
                let (lo, hi) = (Int(min(a, b)), Int(max(a, b)))
                if seen.insert(lo * 1_000_003 + hi).inserted { out.append((lo, hi)) }
            }
        }
        return out
    }

    /// Yaw (about y), pitch (about x), roll (about z) in degrees of R = Rz·Ry·Rx.
    static func angles(_ r: Matrix3) -> (yaw: Double, pitch: Double, roll: Double) {
        let degrees = 180 / Double.pi
        return (asin(max(-1, min(1, -r[2, 0]))) * degrees, atan2(r[2, 1], r[2, 2]) * degrees, atan2(r[1, 0], r[0, 0]) * degrees)
    }

    static func overlay(video: String, info: VideoInfo, wireframes: [[(SIMD2<Double>, SIMD2<Double>)]], tracks: [[SIMD2<Double>]],
                        output: String, progress: (String) -> Void) throws {
        let reader = try ReadAheadReader(path: video)
        let writer = try VideoWriter(path: output, width: info.width, height: info.height,
                                     options: VideoWriterOptions(encoding: .h264(crf: 20, preset: "veryfast"), fps: info.fps))
        var t = 0
        while var frame = try reader.nextFrame() {
            if t < wireframes.count {
                for (a, b) in wireframes[t] { Overlay.line(a, b, colour: (60, 230, 80), on: &frame) }
                for p in tracks[t] { Overlay.dot(x: Int(p.x.rounded()), y: Int(p.y.rounded()), colour: (255, 40, 40), on: &frame) }
            }
            try writer.write(frame)
            t += 1
            progress("overlay \(t)/\(info.frameCount)")
        }
        try writer.finish()
    }
}
