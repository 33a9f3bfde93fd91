import Faces
import Foundation
public import Flow
import Media

/// `nicer compare`: several proxies of one target scored on the same flow and mask, and with
/// `faces` their face measures, each from the files the user gave.
public enum CompareJob {
    public struct Inputs: Sendable {
        public var target: String
        public var proxies: [(name: String, path: String)]
        public var mask: MaskSource
        public var preset: DISOpticalFlow.Preset
        public var trim = false, align = false, wholeFrameFlow = false
        public var truth: String?
        public var faces = false
        public var identityPhotos: [String] = []
        /// The target's 68-point landmarks per frame (a `LandmarkTrack` or faces.json), for the face measures.
        public var landmarks: String?
        public var identityLandmarks: String?

        public init(target: String, proxies: [(name: String, path: String)], mask: MaskSource, preset: DISOpticalFlow.Preset) {
            (self.target, self.proxies, self.mask, self.preset) = (target, proxies, mask, preset)
        }
    }

    public struct Result {
        public var report: ComparisonReport
        public var worst: [String: WorstPair]
        public var faces: FaceComparisonReport?

        /// What the command prints: the ranking, then each video's face measures.
        public var summaryLines: [String] {
            let ranking = report.ranking.enumerated().map { rank, name -> String in
                let p = report.proxies.first { $0.name == name }!
                let what = p.source.map { "\($0.kind), \($0.year)" } ?? "unknown source"
                return String(format: "%d. %@  e_stab %.6g  (%@)%@", rank + 1, name, p.mean, what,
                              p.truthPSNR.map { String(format: "  PSNR to truth %.2f dB", $0) } ?? "")
            }
            return ranking + (faces?.videos ?? []).map { m in
                String(format: "   %@: eyes %.4f, mouth %.4f off the target; jitter %.4f (target %.4f); identity consistency %.4f%@",
                       m.name, m.eyeConsistency, m.mouthConsistency, m.jitter, faces!.targetJitter, m.identityConsistency,
                       m.identityToPhotos.map { String(format: ", %.4f to the photos", $0) } ?? "")
            }
        }
    }

    public static func run(_ inputs: Inputs, progress: @escaping (String, Int, Int) -> Void) throws -> Result {
        // Landmark files are read first, so a bad one fails before the long scoring.
        let placement = try inputs.landmarks.map { file in
            let target = try VideoInfo.probe(path: inputs.target)
            return try LandmarkFile.read(file, frames: target.frameCount, size: (target.width, target.height))
        }
        let photoLandmarks = try inputs.identityLandmarks.map { try LandmarkFile.readPhotos($0, photos: inputs.identityPhotos.count) }
        let models = inputs.faces ? try FaceModels() : nil
        let frameMaps = inputs.align ? try Comparison.frameMaps(target: inputs.target, videos: inputs.proxies.map(\.path)) : [:]
        let (report, worst) = try Comparison.run(target: inputs.target, proxies: inputs.proxies, mask: inputs.mask, preset: inputs.preset,
                                                 trim: inputs.trim, truth: inputs.truth, wholeFrameFlow: inputs.wholeFrameFlow,
                                                 frameMaps: frameMaps, progress: { progress("compare", $0, $1) })
        let faces = try models.map { models in
            try FaceComparison.run(target: inputs.target, videos: inputs.proxies, identityPhotos: inputs.identityPhotos, models: models,
                                   placement: placement, photoLandmarks: photoLandmarks, frameMaps: frameMaps, progress: progress)
        }
        return Result(report: report, worst: worst, faces: faces)
    }
}
