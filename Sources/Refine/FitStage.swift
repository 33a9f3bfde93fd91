import Faces
import Foundation
import NeuralNet

/// The fit: one network per segment, trained on its crops until the stop rule (`StopRule`) or
/// the epoch cap, its best weights kept in `work/segment-K/best.safetensors` for the write pass.
enum FitStage {
    struct Fit {
        let segments: [RefineReport.Segment]
        let fitted: [SegmentRenderer.Fitted]
    }

    /// The perceptual features the loss compares, loaded once (before any output is written, so a
    /// missing or broken weights file stops the run cleanly).
    static func features(_ options: RefineOptions, models: FaceModels?) throws -> PerceptualFeatures? {
        switch options.features {
        case .identity: try FaceIdentity(path: models?.identity ?? FaceAssets.locate(.identity))
        case .vgg19: try VGGFeatures(path: try RefineOptions.vggWeightsPath(options))
        case .pixel: nil
        }
    }

    static func run(_ clip: ClipPair, inputs: RefineInputs, options: RefineOptions, crops: CropStore, runs: [Range<Int>],
                    features: PerceptualFeatures?, prior: FacePrior, work: String, clock: inout StageClock,
                    progress: @escaping (String) -> Void) throws -> Fit {
        let segments = Segmentation.segments(runs, length: options.segmentLength, overlap: options.segmentOverlap)
        let fingerprint = try Self.fingerprint(clip, options: options, inputs: inputs)
        var reports: [RefineReport.Segment] = [], fitted: [SegmentRenderer.Fitted] = []
        for (k, segment) in segments.enumerated() {
            let part = try crops.crops(segment)
            let trainer = NICeTrainer(options: options, crops: part, identity: features)
            trainer.loss.extraTerms = clock.time("prior") { prior.lossTerms(options: options, segment: segment, crops: part) }
            let segmentWork = work + "/segment-\(k)"
            try FileManager.default.createDirectory(atPath: segmentWork, withIntermediateDirectories: true)
            let state = try clock.time("training") {
                try trainer.fit(work: segmentWork, fingerprint: fingerprint + "-\(segment)", resume: inputs.resume) { line in
                    progress("segment \(k + 1)/\(segments.count): " + line)
                }
            }
            reports.append(.init(frames: [segment.lowerBound, segment.upperBound - 1], bestEpoch: state.bestEpoch,
                                 stopReason: state.stopReason, proxyEStabCrops: state.proxyEStab,
                                 targetEStabCrops: state.targetEStab, curve: state.epochs,
                                 trainingSeconds: trainer.seconds.mapValues { ($0 * 10).rounded() / 10 },
                                 priorWithdrawal: state.priorWithdrawal))
            fitted.append(.init(frames: segment, weights: NICeTrainer.bestCheckpoint(in: segmentWork),
                                logVarianceLimit: trainer.loss.logVarianceLimit))
        }
        return Fit(segments: reports, fitted: fitted)
    }

    /// Identifies what a checkpoint was trained on, so `--resume` never continues another fit:
    /// the clip, the options and the identity photos (their detail and shape are loss references).
    static func fingerprint(_ clip: ClipPair, options: RefineOptions, inputs: RefineInputs) throws -> String {
        var o = options
        o.preview = true
        o.sigmaVideo = false
        o.crf = 0
        o.fullChroma = nil
        o.stillBlend = 0  // the write pass's, like the coding: a new blend on --resume reuses the fit
        // Its own encoder, not ReportFiles': a change of format would orphan every checkpoint.
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = "\(clip.target.path)|\(clip.target.frameCount)|\(clip.proxy.path)|\(clip.proxy.frameCount)|\(clip.frames)|"
            + String(decoding: try encoder.encode(o), as: UTF8.self) + "|" + inputs.identityPhotos.joined(separator: "|")
            + "|\(inputs.identityLandmarks ?? "")"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }
}
