import Faces
import Foundation
import Media
import Tensor

/// The face measures of `FaceComparison.run` frame by frame, for a caller that already reads the
/// videos (refine's scoring pass). Feed every target frame in order with `add`, then `finish`.
public final class FaceMeasurer {
    private let names: [String]
    private let versus: [(String, String)]
    private let tracker: FaceTracker
    private let predictor68: ShapePredictor, predictor5: ShapePredictor
    private let identity: FaceIdentity
    private let photos: [[Float]]
    private let placed: [FaceObservation?]?
    private let targetFaces: [FaceObservation?]?
    private var targetPoints: [[Landmark]] = []
    private var points: [[[Landmark]]], descriptors: [[[Float]]]
    /// The target's own identity descriptors on every `targetStride`-th face frame, with the index
    /// of that frame among the videos' descriptors, kept when a `versus` pair names
    /// `FaceMeasurer.target`. A quarter of the frames: a face's descriptor is steady (identity
    /// consistency ~0.995 on real clips), and each costs as much as a video's.
    private var targetDescriptors: [(frame: Int, descriptor: [Float])] = []
    static let targetStride = 4
    private var describesTarget: Bool { versus.contains { $0.1 == Self.target && !names.contains(Self.target) } }
    /// The name by which a `versus` pair compares a video with the target (the original) itself.
    public static let target = "target"
    private var frames = 0
    /// Seconds spent in `add` and `finish`.
    public private(set) var seconds = 0.0

    /// As `FaceComparison.run` takes them; `videos` are the names, in the order `add` gets the frames.
    public init(videos: [String], identityPhotos: [String] = [], versus: [(String, String)] = [], models: FaceModels,
                detector loadedDetector: FaceDetector? = nil, landmarks68: ShapePredictor? = nil,
                targetFaces: [FaceObservation?]? = nil, placement: [[SIMD2<Double>]?]? = nil,
                photoLandmarks: [[SIMD2<Double>]]? = nil) throws {
        let detector = try loadedDetector ?? FaceDetector(path: models.detector)
        // One 68-point model (~100 MB to parse) serves the tracker and the videos: predict is pure.
        let predictor68 = try landmarks68 ?? ShapePredictor(path: models.landmarks68)
        let predictor5 = try ShapePredictor(path: models.landmarks5)
        let identity = try FaceIdentity(path: models.identity)
        guard photoLandmarks == nil || photoLandmarks!.count == identityPhotos.count else {
            throw PipelineError("landmarks for \(photoLandmarks!.count) identity photos, \(identityPhotos.count) photos given")
        }
        photos = try identityPhotos.enumerated().map { k, path in
            guard let given = photoLandmarks?[k] else {
                return try FaceComparison.photoDescriptor(path, detector: detector, predictor5: predictor5, identity: identity)
            }
            return identity.descriptor(FaceChip(landmarks: FaceComparison.landmarkPoints(given)).extract(from: try FaceComparison.readPhoto(path)))
        }
        (self.names, self.versus, self.predictor68, self.predictor5, self.identity, self.targetFaces) =
            (videos, versus, predictor68, predictor5, identity, targetFaces)
        tracker = FaceTracker(detector: detector, landmarks68: predictor68)
        placed = placement.map { $0.map { $0.map(FaceComparison.observation) } }
        points = Array(repeating: [], count: videos.count)
        descriptors = Array(repeating: [], count: videos.count)
    }

    /// The next target frame and the videos' frames (nil where a video has ended). False when the
    /// measures end here: a video ended at a frame with a face.
    public func add(target frame: Image8, frames others: [Image8?]) -> Bool {
        let start = Date()
        defer { seconds += Date().timeIntervalSince(start) }
        frames += 1
        let known = placed ?? targetFaces
        let tracked = known.map { frames <= $0.count ? $0[frames - 1] : nil } ?? tracker.next(frame)
        guard let face = tracked else { return true }
        let images = others.compactMap { $0 }
        guard images.count == others.count else { return false }
        // Given landmarks place every chip; else each image's own 5 points do.
        let descriptor = { (image: Image8) in
            let chip = self.placed != nil ? FaceChip(landmarks: face.landmarks) : FaceChip(landmarks: self.predictor5.predict(image, box: face.box))
            return self.identity.descriptor(chip.extract(from: image))
        }
        let faceFrame = targetPoints.count  // its index among the descriptors appended below
        if describesTarget, faceFrame % Self.targetStride == 0 { targetDescriptors.append((faceFrame, descriptor(frame))) }
        // Given landmarks place the face; its points are predicted like every video's, so
        // the openings are compared like with like.
        targetPoints.append(placed != nil ? predictor68.predict(frame, box: face.box) : face.landmarks)
        for (k, image) in images.enumerated() {
            points[k].append(predictor68.predict(image, box: face.box))
            descriptors[k].append(descriptor(image))
        }
        return true
    }

    public func finish(target: String) throws -> FaceComparisonReport {
        guard !targetPoints.isEmpty else { throw PipelineError("no face found in \(target) (the detector finds faces of about 80 pixels and up)") }
        let measures = names.indices.map { k -> FaceMeasures in
            let opening = FaceMetrics.openingConsistency(output: points[k], target: targetPoints)
            var against: [String: Double] = [:]
            for (a, b) in versus where a == names[k] {
                if let j = names.firstIndex(of: b) {
                    against[b] = FaceComparison.meanCosine(descriptors[k], descriptors[j])
                } else if b == Self.target, !targetDescriptors.isEmpty {
                    // Every video has a descriptor for each face frame, the target's frames among them.
                    against[b] = FaceComparison.meanCosine(targetDescriptors.map { descriptors[k][$0.frame] }, targetDescriptors.map(\.descriptor))
                }
            }
            return FaceMeasures(
                name: names[k], eyeConsistency: opening.eyes, mouthConsistency: opening.mouth,
                jitter: FaceMetrics.jitter(points[k]), identityConsistency: FaceComparison.consistency(descriptors[k]), identityVersus: against,
                identityToPhotos: photos.isEmpty ? nil
                    : descriptors[k].reduce(0.0) { sum, d in sum + photos.reduce(0.0) { $0 + Double(FaceIdentity.cosine(d, $1)) } / Double(photos.count) }
                    / Double(descriptors[k].count))
        }
        return FaceComparisonReport(frames: frames, framesWithFace: targetPoints.count, targetJitter: FaceMetrics.jitter(targetPoints),
                                    videos: measures)
    }
}
