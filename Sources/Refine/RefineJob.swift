import Faces
import Flow
import Foundation
import Media
import NeuralNet
import Reports
import Stability
import Tensor

public struct RefineInputs: Sendable {
    public var target: String
    public var proxy: String
    public var proxyName: String
    public var identityPhotos: [String]
    /// The identity photos' 68 landmarks (a `LandmarkTrack` or faces.json, one entry per photo in
    /// order) instead of detecting their faces; nil: detect.
    public var identityLandmarks: String?
    /// Output folder: refined.mp4, report.json, report.html, config.json, preview.mp4, masks/…
    public var output: String
    public var align: Bool
    public var resume: Bool

    public init(target: String, proxy: String, proxyName: String = "proxy", identityPhotos: [String] = [],
                identityLandmarks: String? = nil, output: String, align: Bool = false, resume: Bool = false) {
        (self.target, self.proxy, self.proxyName, self.identityPhotos, self.identityLandmarks, self.output, self.align, self.resume) =
            (target, proxy, proxyName, identityPhotos, identityLandmarks, output, align, resume)
    }
}

/// `nicer refine`: the NICe fit of one clip end to end, as a short list of stages (each in the file
/// named for it): pairing, region analysis, crops, the 3D prior, the fit, the write pass, scoring
/// and the report. Five passes over the clip (six when the region falls back to the swap's own
/// difference); report.json lists them (`passes`) with the seconds of each stage (`timings`).
public enum RefineJob {
    public static func run(_ inputs: RefineInputs, options: RefineOptions, models: FaceModels?,
                           progress: @escaping (String) -> Void) throws -> RefineReport {
        let problems = options.problems()
        guard problems.isEmpty else { throw PipelineError("bad options: " + problems.joined(separator: "; ")) }
        guard inputs.identityLandmarks == nil || !inputs.identityPhotos.isEmpty else {
            throw PipelineError("identity landmarks \(inputs.identityLandmarks!) given without identity photos (--identity)")
        }
        var clock = StageClock()
        // Counts every frame of both and reads their times (decoded, not converted to RGB).
        let clip = try clock.pass("pairing", videos: ["target", "proxy"]) {
            try ClipPair(target: inputs.target, proxy: inputs.proxy, align: inputs.align)
        }
        // Every model and landmark file is read before any output is written, so a bad one stops the run cleanly.
        let flame = try clock.time("prior") { try FacePrior.loadFLAME(options) }
        let features = try FitStage.features(options, models: models)
        let photoLandmarks = try inputs.identityLandmarks.map { try LandmarkFile.readPhotos($0, photos: inputs.identityPhotos.count) }
        let fileLandmarks = try RegionAnalysis.landmarkFile(options, clip: clip)
        let made = try OutputFolder.prepare(inputs.output)
        // Set once report.json is written; until then a failure takes away what this run wrote.
        var complete = false
        defer { if !complete { OutputFolder.tidyAfterFailure(inputs.output, made: made) } }
        let work = inputs.output + "/.work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try ScratchSpace.check(frames: clip.frames, size: options.size, in: work)

        let loaded = models.map(LoadedFaceModels.init)
        let analysis = try clock.time("analysis") { try RegionAnalysis.run(clip, options: options, models: loaded, fileLandmarks: fileLandmarks, progress: progress) }
        for _ in 0..<analysis.passes { clock.recordPass("analysis", videos: ["target", "proxy"]) }
        let runs = Segmentation.runs(cutsBefore: analysis.cuts, frames: clip.frames)
        let crops = try clock.pass("crops", videos: ["target", "proxy"]) {
            try CropPass.run(clip, regions: analysis.regions, runs: runs, options: options, work: work, output: inputs.output, progress: progress)
        }
        var options = options
        options.cropSize = crops.size.side
        let prior = try clock.time("prior") {
            try FacePrior.make(options: options, flame: flame, regions: analysis.regions, boxes: crops.boxes, identityPhotos: inputs.identityPhotos,
                               photoLandmarks: photoLandmarks, models: loaded, progress: progress)
        }
        let fit = try FitStage.run(clip, inputs: inputs, options: options, crops: crops.store, runs: runs, features: features, prior: prior,
                                   work: work, clock: &clock, progress: progress)
        let renderer = SegmentRenderer(fit.fitted, options: options)
        let quality = OutputQuality.resolve(requestedCRF: options.crf, requestedFullChroma: options.fullChroma,
                                             evenSize: clip.target.width % 2 == 0 && clip.target.height % 2 == 0,
                                             target: (clip.target.coding, clip.target.fullChroma), proxy: (clip.proxy.coding, clip.proxy.fullChroma))
        let written = try clock.pass("write", videos: ["target", "proxy"]) {
            try WritePass.run(clip, inputs: inputs, options: options, quality: quality, boxes: crops.boxes, crops: crops.store, renderer: renderer, progress: progress)
        }
        clock.split("render", seconds: renderer.seconds, outOf: "write")
        // From here a failure takes the outputs away again, so the folder never holds a video
        // without its report (the checkpoints in .work stay for --resume).
        defer {
            if !complete {
                for file in written.files + ["report.json", "config.json", "report.html"].map({ inputs.output + "/" + $0 }) {
                    try? FileManager.default.removeItem(atPath: file)
                }
            }
        }
        try FailPoint.check("scoring")
        let scores = try clock.pass("scoring", videos: ["target", "proxy", "refined"]) {
            try ScoringPass.run(clip, inputs: inputs, options: options, written: written, regions: analysis.regions, models: models,
                                loaded: loaded, photoLandmarks: photoLandmarks, progress: progress)
        }
        clock.split("faces", seconds: scores.facesSeconds, outOf: "scoring")
        let proxies = scores.comparison.proxies
        let flicker = FlickerSummary(target: proxies[2].frames, proxy: proxies[0].frames, refined: proxies[1].frames)
        let report = RefineReport(
            target: inputs.target, proxy: inputs.proxy, proxyName: inputs.proxyName, output: written.video, audio: written.audio,
            alignment: clip.alignmentSummary, frames: clip.frames, size: "\(clip.target.width)x\(clip.target.height)", cropSize: crops.size,
            encoding: quality,
            prior: prior.description, priorFitError: prior.fitError, shapeDistance: prior.shapeDistance,
            features: features.map { "\(options.features == .vgg19 ? "VGG19" : "dlib identity ResNet") stages \($0.stages.prefix(options.featureWeights.count).joined(separator: ", ")) + pixel L1" } ?? "pixel L1",
            region: analysis.regions.description, eStabProxy: proxies[0].mean, eStabRefined: proxies[1].mean,
            flicker: flicker, warnings: [flicker.warning, SwapKept.warning(scores.swapKept),
                                                   IdentityKept.warning(scores.faces, proxyName: inputs.proxyName)].compactMap { $0 }, fidelity: written.fidelity,
            swapKept: scores.swapKept,
            faces: scores.faces, facesSkipped: scores.facesSkipped, segments: fit.segments, cuts: analysis.cuts,
            timings: clock.seconds, passes: clock.passes, options: options)
        try ReportStage.write(report, scores: scores, output: inputs.output)
        complete = true
        return report
    }
}
