import Faces
import Foundation
import Media
import Tensor

/// Face measures of one video (a swap, or a refined swap) against its target, for `compare` and
/// `refine` reports. Landmarks of every video are predicted in the target's tracked box of that
/// frame, so all videos are measured in the same place.
public struct FaceMeasures: Codable, Equatable, Sendable {
    public var name: String
    /// Mean |eye opening − target's| and |mouth opening − target's| (68-point ratios).
    public var eyeConsistency: Double
    public var mouthConsistency: Double
    /// Landmark jitter (mean second difference, inter-ocular units).
    public var jitter: Double
    /// Mean cosine of each frame's identity descriptor to the video's mean descriptor.
    public var identityConsistency: Double
    /// Mean cosine similarity to the named reference videos' descriptors, frame by frame.
    public var identityVersus: [String: Double]
    /// Mean cosine similarity to the identity photos' descriptors (absent without photos).
    public var identityToPhotos: Double?
}

public struct FaceComparisonReport: Codable, Equatable, Sendable {
    public var frames: Int
    public var framesWithFace: Int
    public var targetJitter: Double
    public var videos: [FaceMeasures]
}

public enum FaceComparison {
    /// `videos` are (name, path) pairs of the target's length, or mapped onto its frames by
    /// `frameMaps` (by path, as `Comparison.run` takes them); `versus` names pairs of videos to
    /// compare identities between, e.g. ("refined", "proxy"). `targetFaces`: the target's faces
    /// as a tracker already followed them, one per frame (refine's analysis), so they are not
    /// tracked again; nil tracks the target here. `detector` and `landmarks68`: those models
    /// already loaded (else loaded from `models`). `placement`: the target's 68 landmarks per frame
    /// from a file (faces the detector cannot find, e.g. synthetic ones; nil where a frame has
    /// none): they stand for the tracker, and every video's identity chip is placed by them.
    /// `photoLandmarks`: the identity photos' 68 landmarks, one per photo, instead of detecting
    /// their faces.
    public static func run(target: String, videos: [(name: String, path: String)], identityPhotos: [String] = [],
                           versus: [(String, String)] = [], models: FaceModels, detector loadedDetector: FaceDetector? = nil,
                           landmarks68: ShapePredictor? = nil, targetFaces: [FaceObservation?]? = nil,
                           placement: [[SIMD2<Double>]?]? = nil, photoLandmarks: [[SIMD2<Double>]]? = nil,
                           frameMaps: [String: FrameMap] = [:], progress: ((String, Int, Int) -> Void)? = nil) throws -> FaceComparisonReport {
        let measurer = try FaceMeasurer(videos: videos.map(\.name), identityPhotos: identityPhotos, versus: versus, models: models,
                                        detector: loadedDetector, landmarks68: landmarks68, targetFaces: targetFaces,
                                        placement: placement, photoLandmarks: photoLandmarks)
        let info = try VideoInfo.probe(path: target)
        let targetReader = try ReadAheadReader(path: target)
        let readers = try videos.map { try MappedReader(path: $0.path, map: frameMaps[$0.path]) }
        var frames = 0
        while let frame = try targetReader.nextFrame() {
            let others = try readers.map { try $0.nextFrame() }
            frames += 1
            progress?("faces", frames, info.frameCount)
            guard measurer.add(target: frame, frames: others) else { break }
        }
        return try measurer.finish(target: target)
    }

    static func meanCosine(_ a: [[Float]], _ b: [[Float]]) -> Double {
        zip(a, b).reduce(0.0) { $0 + Double(FaceIdentity.cosine($1.0, $1.1)) } / Double(max(1, min(a.count, b.count)))
    }

    public static func consistency(_ descriptors: [[Float]]) -> Double {
        guard let first = descriptors.first else { return 0 }
        var mean = [Float](repeating: 0, count: first.count)
        for d in descriptors { for i in d.indices { mean[i] += d[i] / Float(descriptors.count) } }
        return descriptors.reduce(0.0) { $0 + Double(FaceIdentity.cosine($1, mean)) } / Double(descriptors.count)
    }

    /// A photo (any image FFmpeg reads: PNG, JPEG, …).
    public static func readPhoto(_ path: String) throws -> Image8 {
        guard let image = try VideoReader(path: path).nextFrame() else { throw PipelineError("\(path): no image in the file") }
        return image
    }

    /// Landmarks given in a file as the tracker would report them: the points (rounded to pixels,
    /// as dlib's are) in their bounding box.
    static func observation(_ points: [SIMD2<Double>]) -> FaceObservation {
        let xs = points.map(\.x), ys = points.map(\.y)
        let box = FaceBox(left: Int(xs.min()!.rounded()), top: Int(ys.min()!.rounded()), right: Int(xs.max()!.rounded()), bottom: Int(ys.max()!.rounded()))
        return FaceObservation(box: box, detected: false, confidence: nil, landmarks: landmarkPoints(points))
    }

    static func landmarkPoints(_ points: [SIMD2<Double>]) -> [Landmark] {
        points.map { Landmark(x: Int($0.x.rounded()), y: Int($0.y.rounded())) }
    }

    /// A photo and its largest detected face.
    public static func largestFace(inPhoto path: String, detector: FaceDetector) throws -> (Image8, FaceDetection) {
        let image = try readPhoto(path)
        guard let face = detector.detect(image).max(by: { $0.box.right - $0.box.left < $1.box.right - $1.box.left }) else {
            throw PipelineError("\(path): no face found in the identity photo")
        }
        return (image, face)
    }

    /// The descriptor of the largest face in a photo (any image FFmpeg reads: PNG, JPEG, …).
    static func photoDescriptor(_ path: String, detector: FaceDetector, predictor5: ShapePredictor, identity: FaceIdentity) throws -> [Float] {
        let (image, face) = try largestFace(inPhoto: path, detector: detector)
        return identity.descriptor(FaceChip(landmarks: predictor5.predict(image, box: face.landmarkBox)).extract(from: image))
    }
}
