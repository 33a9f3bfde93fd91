import Foundation
public import Tensor

/// One frame's face as the tracker saw it, before temporal smoothing.
public struct FaceObservation: Codable, Equatable, Sendable {
    /// The box the landmarks were predicted in (HOG convention, see `FaceDetection.landmarkBox`).
    public var box: FaceBox
    /// True when the detector found the face in this frame; false when it was followed.
    public var detected: Bool
    public var confidence: Float?
    /// dlib's 68 points, exactly as the predictor gives them.
    public var landmarks: [Landmark]

    public init(box: FaceBox, detected: Bool, confidence: Float?, landmarks: [Landmark]) {
        (self.box, self.detected, self.confidence, self.landmarks) = (box, detected, confidence, landmarks)
    }
}

public struct FaceTrackerOptions: Codable, Equatable, Sendable {
    /// Run the detector every this many frames (1…1000); frames in between follow the landmarks.
    public var detectEvery = 5
    /// Detector threshold (dlib's adjust_threshold).
    public var threshold: Float = 0
    /// A detection continues the track when it overlaps the followed box by this IoU (0…1).
    public var matchIoU = 0.3
    /// Frames a track is followed without any detection confirming it before it is dropped.
    public var maxFollow = 25
    /// Detect on a copy shrunk (by a whole factor) to at most this longer side (160…8192).
    public var detectionMaxSide = 1024

    public init() {}
}

/// Detects a face every k frames and follows it in between: the landmark predictor runs on the
/// previous frame's box moved by the landmarks' own motion, which is far cheaper than detecting
/// and, unlike a fresh detection, does not jump by a few pixels each frame. When several faces
/// are present the largest is followed; a detection that overlaps no current track (a cut)
/// restarts it.
public final class FaceTracker {
    public let options: FaceTrackerOptions
    let detector: FaceDetector
    let predictor: ShapePredictor
    private var frameIndex = 0
    private var last: FaceObservation?
    private var followed = 0
    private var followBox = FaceBox(left: 0, top: 0, right: 0, bottom: 0)
    /// How often the detector ran (the expensive part).
    public private(set) var detectorRuns = 0

    public init(detector: FaceDetector, landmarks68: ShapePredictor, options: FaceTrackerOptions = .init()) {
        precondition(landmarks68.parts == 68, "the tracker follows 68-point landmarks")
        self.detector = detector
        self.predictor = landmarks68
        self.options = options
    }

    /// The face in the next frame of the sequence, or nil when there is none.
    public func next(_ frame: Image8) -> FaceObservation? {
        defer { frameIndex += 1 }
        if last == nil || frameIndex % options.detectEvery == 0 {
            let detections = detector.detect(frame, threshold: options.threshold, maxSide: options.detectionMaxSide)
            detectorRuns += 1
            if let chosen = choose(detections) {
                followed = 0
                return remember(observe(frame, box: chosen.landmarkBox, detected: true, confidence: chosen.confidence))
            }
        }
        guard last != nil, followed < options.maxFollow else { return remember(nil) }
        followed += 1
        return remember(observe(frame, box: followBox, detected: false, confidence: nil))
    }

    /// Keeps the observation and moves its box with the landmarks (centroid shift and
    /// inter-ocular scale) to where the next frame's prediction should start.
    private func remember(_ observation: FaceObservation?) -> FaceObservation? {
        if let observation {
            // A fresh detection already sits on this frame's face; a followed box sat on the last one.
            followBox = observation.detected ? observation.box
                : last.map { moved(observation.box, from: $0.landmarks, to: observation.landmarks) } ?? observation.box
        }
        last = observation
        return observation
    }

    private func observe(_ frame: Image8, box: FaceBox, detected: Bool, confidence: Float?) -> FaceObservation {
        FaceObservation(box: box, detected: detected, confidence: confidence, landmarks: predictor.predict(frame, box: box))
    }

    private func choose(_ detections: [FaceDetection]) -> FaceDetection? {
        guard !detections.isEmpty else { return nil }
        if let previous = last {
            let best = detections.max { iou($0.landmarkBox, previous.box) < iou($1.landmarkBox, previous.box) }!
            if iou(best.landmarkBox, previous.box) >= options.matchIoU { return best }
        }
        return detections.max { area($0.box) < area($1.box) }
    }

    private func area(_ b: FaceBox) -> Int { (b.right - b.left + 1) * (b.bottom - b.top + 1) }

    private func iou(_ a: FaceBox, _ b: FaceBox) -> Double {
        let w = min(a.right, b.right) - max(a.left, b.left) + 1, h = min(a.bottom, b.bottom) - max(a.top, b.top) + 1
        guard w > 0, h > 0 else { return 0 }
        return Double(w * h) / Double(area(a) + area(b) - w * h)
    }

    private func moved(_ box: FaceBox, from a: [Landmark], to b: [Landmark]) -> FaceBox {
        func centroid(_ p: [Landmark]) -> (Double, Double) {
            (p.reduce(0.0) { $0 + Double($1.x) } / Double(p.count), p.reduce(0.0) { $0 + Double($1.y) } / Double(p.count))
        }
        let (ca, cb) = (centroid(a), centroid(b))
        let scale = min(max(FaceMetrics.interocular(b) / max(FaceMetrics.interocular(a), 1), 0.8), 1.25)
        let cx = Double(box.left + box.right) / 2 + cb.0 - ca.0, cy = Double(box.top + box.bottom) / 2 + cb.1 - ca.1
        let half = Double(box.right - box.left) / 2 * scale, halfH = Double(box.bottom - box.top) / 2 * scale
        return FaceBox(left: Int((cx - half).rounded()), top: Int((cy - halfH).rounded()),
                       right: Int((cx + half).rounded()), bottom: Int((cy + halfH).rounded()))
    }
}

/// Zero-lag temporal smoothing of landmark tracks for offline video: a centred Gaussian over
/// frames (σ in frames), applied within runs of frames that have a face and do not jump (a cut
/// or a lost track starts a new run). Jitter here becomes flicker in every mask and crop later.
public enum TrackSmoothing {
    public static func smooth(_ tracks: [[Landmark]?], sigma: Double, cutDistance: Double = 0.5) -> [[SIMD2<Double>]?] {
        let points = tracks.map { $0?.map { SIMD2(Double($0.x), Double($0.y)) } }
        guard sigma > 0 else { return points }
        // Runs of consecutive frames whose mean landmark motion stays under cutDistance·interocular.
        var runs: [Range<Int>] = [], start: Int?
        for t in points.indices {
            let continues = start != nil && points[t] != nil && tracks[t - 1].map { previous in
                let jump = zip(points[t - 1]!, points[t]!).reduce(0.0) { $0 + (($1.0 - $1.1) * ($1.0 - $1.1)).sum().squareRoot() }
                return jump / Double(previous.count) <= cutDistance * max(FaceMetrics.interocular(previous), 1)
            } == true
            if !continues, let s = start { runs.append(s..<t); start = nil }
            if points[t] != nil && start == nil { start = t }
        }
        if let s = start { runs.append(s..<points.count) }
        let radius = Int((3 * sigma).rounded(.up))
        let kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        var out = points
        for run in runs {
            for t in run {
                var sum = [SIMD2<Double>](repeating: .zero, count: points[t]!.count), weight = 0.0
                for k in -radius...radius where run.contains(t + k) {
                    let w = kernel[k + radius]
                    for (i, p) in points[t + k]!.enumerated() { sum[i] += w * p }
                    weight += w
                }
                out[t] = sum.map { $0 / weight }
            }
        }
        return out
    }
}
