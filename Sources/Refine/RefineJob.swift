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

/// crops.json: where each frame's training crop (and preview/σ tile) lies in the frame.
public struct CropList: Codable, Sendable {
    public var size: Int
    public var boxes: [CropBox]
}

public struct RefineReport: Codable, Sendable {
    public struct Segment: Codable, Sendable {
        public var frames: [Int]
        public var bestEpoch: Int?
        public var stopReason: String?
        public var proxyEStabCrops: Double
        public var targetEStabCrops: Double
        public var curve: [EpochRecord]
        /// Seconds of this run's training per part: network (forward, backward, Adam), loss
        /// (pixel and perceptual features), prior (3D terms), monitor, checkpoints.
        public var trainingSeconds: [String: Double]?
        /// Set when the collapse guard took the 3D prior out of this segment's fit.
        public var priorWithdrawal: PriorWithdrawal?
    }

    public var target: String
    public var proxy: String
    public var proxyName: String
    public var output: String
    /// Whose sound the refined video carries: the proxy's, else the target's, and the codec.
    public var audio: String
    /// How the proxy's frames were paired with the target's when not simply frame for frame at
    /// the same rate and size (another rate, `--align`'s repeats and skips, scaling); else nil.
    public var alignment: String?
    public var frames: Int
    public var size: String
    /// The training crops' side and why (the face's resolution in the frame, capped by --size).
    public var cropSize: CropSize
    /// Which 3D face prior shaped the loss (FLAME, the landmark prior, or none and why).
    public var prior: String
    /// RMS landmark error of the FLAME fit in pixels (FLAME only).
    public var priorFitError: Double?
    /// Shape of the clip's face vs the identity photos' (FLAME: |β − β_id|; landmark prior: RMS
    /// 3D landmark difference over the face width). A metric: landmarks are not differentiable.
    public var shapeDistance: Double?
    public var features: String
    public var region: String
    /// e_stab over the whole clip in the paste mask (the face region and the swap's footprint,
    /// grown to include its outline; masks/), on the target's flow, before and after (means).
    public var eStabProxy: Double
    public var eStabRefined: Double
    /// Target, proxy and refined on that flow and mask: means, medians over frame pairs, the share
    /// of the swap's extra flicker removed, and whether the refined video is less stable.
    public var flicker: FlickerSummary
    /// What the summary line warns of (a refined video less stable than the proxy); empty when all is well.
    public var warnings: [String]
    /// PSNR of the refined video to the proxy inside the face mask (how much of the swap survives), dB.
    public var fidelity: Double
    /// Identity similarity, eye/mouth consistency and jitter (the face models must be installed and
    /// the detector must find the face); nil with the reason in `facesSkipped`.
    public var faces: FaceComparisonReport?
    public var facesSkipped: String?
    public var segments: [Segment]
    public var cuts: [Int]
    /// Seconds per stage: analysis, crops, prior, training, render (the fitted network over every
    /// crop), write (paste-back, encoding, masks, preview), scoring, faces.
    public var timings: [String: Double]
    public var options: RefineOptions
}

/// `nicer refine`: the NICe fit of one clip end to end.
public enum RefineJob {
    public static func run(_ inputs: RefineInputs, options: RefineOptions, models: FaceModels?,
                           progress: @escaping (String) -> Void) throws -> RefineReport {
        let problems = options.problems()
        guard problems.isEmpty else { throw PipelineError("bad options: " + problems.joined(separator: "; ")) }
        var timings: [String: Double] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { timings[stage, default: 0] += Date().timeIntervalSince(start) }
            return try body()
        }
        let clip = try ClipPair(target: inputs.target, proxy: inputs.proxy, align: inputs.align)
        let flame = try timed("prior") { try FacePrior.loadFLAME(options) }
        if options.features == .vgg19 { _ = try VGGFeatures(path: try RefineOptions.vggWeightsPath(options)) }  // before any output
        guard inputs.identityLandmarks == nil || !inputs.identityPhotos.isEmpty else {
            throw PipelineError("identity landmarks \(inputs.identityLandmarks!) given without identity photos (--identity)")
        }
        let photoLandmarks = try inputs.identityLandmarks.map { try LandmarkFile.readPhotos($0, photos: inputs.identityPhotos.count) }
        try prepareOutput(inputs.output)
        let work = inputs.output + "/.work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try ScratchSpace.check(frames: clip.frames, size: options.size, in: work)

        // Pass 1: region and cuts.
        let loaded = models.map(LoadedFaceModels.init)
        let (regions, cuts) = try timed("analysis") { try analyse(clip, options: options, models: loaded, progress: progress) }
        let runs = Segmentation.runs(cutsBefore: cuts, frames: clip.frames)
        guard let boxes = CropTrack.smooth(regions.boxes.map { $0.map { CropBox(left: $0.0, top: $0.1, right: $0.2, bottom: $0.3, margin: options.margin) } },
                                           sigma: options.boxSmoothing, segments: runs) else {
            throw PipelineError("no face region found in \(inputs.target) (region: \(regions.description))")
        }
        let cropSize = CropSize.resolve(boxes: boxes, cap: options.size, levels: options.levels)
        var options = options
        options.cropSize = cropSize.side

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try AtomicOutput.write(try encoder.encode(CropList(size: options.side, boxes: boxes)), to: inputs.output + "/crops.json")

        // Pass 2: training crops, kept on disk (memory holds one segment's).
        let crops = try CropStore(path: work + "/crops.scratch", size: options.side)
        try timed("crops") {
            try clip.forEach { t, target, proxy in
                let mask = try regions.mask(frame: t, target: target, proxy: proxy)
                let maskImage = Image8(width: target.width, height: target.height, channels: 1, pixels: mask.map { quantize($0) })
                let targetCrop = boxes[t].extract(target, size: options.side), proxyCrop = boxes[t].extract(proxy, size: options.side)
                try crops.append(target: targetCrop, proxy: proxyCrop,
                                 mask: PasteMask.make(region: boxes[t].extract(maskImage, size: options.side), target: targetCrop, proxy: proxyCrop))
                progress(String(format: "crops %d/%d", t + 1, clip.frames))
            }
        }

        let prior = try timed("prior") {
            try FacePrior.make(options: options, flame: flame, regions: regions, boxes: boxes, identityPhotos: inputs.identityPhotos,
                               photoLandmarks: photoLandmarks, models: loaded, progress: progress)
        }

        // Fit each segment; blend overlaps linearly.
        let identity: PerceptualFeatures? = switch options.features {
        case .identity: try FaceIdentity(path: models?.identity ?? FaceAssets.locate(.identity))
        case .vgg19: try VGGFeatures(path: try RefineOptions.vggWeightsPath(options))
        case .pixel: nil
        }
        let segments = Segmentation.segments(runs, length: options.segmentLength, overlap: options.segmentOverlap)
        let fingerprint = try Self.fingerprint(clip, options: options, inputs: inputs)
        var segmentReports: [RefineReport.Segment] = []
        var fitted: [SegmentRenderer.Fitted] = []
        for (k, segment) in segments.enumerated() {
            let part = try crops.crops(segment)
            let trainer = NICeTrainer(options: options, crops: part, identity: identity)
            trainer.loss.extraTerms = timed("prior") { prior.lossTerms(options: options, segment: segment, crops: part) }
            let segmentWork = work + "/segment-\(k)"
            try FileManager.default.createDirectory(atPath: segmentWork, withIntermediateDirectories: true)
            let state = try timed("training") {
                try trainer.fit(work: segmentWork, fingerprint: fingerprint + "-\(segment)", resume: inputs.resume) { line in
                    progress("segment \(k + 1)/\(segments.count): " + line)
                }
            }
            segmentReports.append(.init(frames: [segment.lowerBound, segment.upperBound - 1], bestEpoch: state.bestEpoch,
                                        stopReason: state.stopReason, proxyEStabCrops: state.proxyEStab,
                                        targetEStabCrops: state.targetEStab, curve: state.epochs,
                                        trainingSeconds: trainer.seconds.mapValues { ($0 * 10).rounded() / 10 },
                                        priorWithdrawal: state.priorWithdrawal))
            fitted.append(.init(frames: segment, weights: NICeTrainer.bestCheckpoint(in: segmentWork), logVarianceLimit: trainer.loss.logVarianceLimit))
        }

        // Pass 3: render every frame from its segments' best weights, paste back at full
        // resolution and encode with the proxy's audio (else the target's).
        let renderer = SegmentRenderer(fitted, options: options)
        let outputs = try timed("write") {
            try writeVideos(clip, inputs: inputs, options: options, boxes: boxes, crops: crops,
                            renderer: renderer, progress: progress)
        }
        timings["render"] = renderer.seconds
        timings["write", default: 0] -= renderer.seconds
        // From here a failure takes the outputs away again, so the folder never holds a video
        // without its report (the checkpoints in .work stay for --resume).
        var complete = false
        defer {
            if !complete {
                for file in outputs.files + ["report.json", "config.json", "report.html"].map({ inputs.output + "/" + $0 }) {
                    try? FileManager.default.removeItem(atPath: file)
                }
            }
        }
        try FailPoint.check("scoring")

        // Scores over the whole clip: proxy, refined and the target itself on the target's flow and the paste masks.
        let (comparison, worst) = try timed("scoring") {
            try Comparison.run(target: inputs.target, proxies: [(inputs.proxyName, inputs.proxy), ("refined", outputs.video),
                                                                ("target", inputs.target)],
                               mask: .folder(outputs.masks), preset: DISOpticalFlow.Preset(rawValue: options.scoringFlow) ?? .fast,
                               trim: inputs.align, frameMaps: clip.proxyMap.map { [inputs.proxy: $0] } ?? [:],
                               progress: { done, total in progress("scoring \(done)/\(total)") })
        }
        // Face measures on every region kind: the analysis's tracked target faces when it tracked
        // them, else FaceComparison tracks the target itself.
        var faces: FaceComparisonReport?, facesSkipped: String?
        if let models, let loaded {
            do {
                faces = try timed("faces") {
                    try FaceComparison.run(target: inputs.target, videos: [(inputs.proxyName, inputs.proxy), ("refined", outputs.video)],
                                           identityPhotos: inputs.identityPhotos, versus: [("refined", inputs.proxyName)], models: models,
                                           detector: try loaded.detector(), landmarks68: try loaded.landmarks68(),
                                           targetFaces: regions.trackedFaces, placement: regions.landmarkFile == nil ? nil : regions.landmarks,
                                           photoLandmarks: photoLandmarks, frameMaps: clip.proxyMap.map { [inputs.proxy: $0] } ?? [:])
                }
            } catch let error as PipelineError {
                facesSkipped = error.description
            }
        } else {
            facesSkipped = "the face models are not installed (tools/setup installs them)"
        }
        let flicker = FlickerSummary(target: comparison.proxies[2].frames, proxy: comparison.proxies[0].frames,
                                     refined: comparison.proxies[1].frames)
        let report = RefineReport(
            target: inputs.target, proxy: inputs.proxy, proxyName: inputs.proxyName, output: outputs.video, audio: outputs.audio, alignment: clip.alignmentSummary, frames: clip.frames,
            size: "\(clip.target.width)x\(clip.target.height)", cropSize: cropSize,
            prior: prior.description, priorFitError: prior.fitError, shapeDistance: prior.shapeDistance,
            features: identity.map { "\(options.features == .vgg19 ? "VGG19" : "dlib identity ResNet") stages \($0.stages.prefix(options.featureWeights.count).joined(separator: ", ")) + pixel L1" } ?? "pixel L1",
            region: regions.description,
            eStabProxy: comparison.proxies[0].mean, eStabRefined: comparison.proxies[1].mean,
            flicker: flicker, warnings: flicker.warning.map { [$0] } ?? [], fidelity: outputs.fidelity,
            faces: faces, facesSkipped: facesSkipped, segments: segmentReports, cuts: cuts, timings: timings, options: options)
        try writeReports(report, comparison: comparison, worst: worst, faces: faces, output: inputs.output)
        complete = true
        return report
    }

    static func prepareOutput(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw PipelineError("\(path) exists and is not a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw MediaError(.output, call: "mkdir", path: path, reason: "cannot create the output folder")
        }
        guard FileManager.default.isWritableFile(atPath: path) else {
            throw MediaError(.output, call: "access", path: path, reason: "output folder is not writable")
        }
        AtomicOutput.sweepStale(in: path)  // what a run killed outright left half-written
    }

    /// Identifies a fit: the inputs (path, size, frames) and every option that changes training.
    /// Identifies what a checkpoint was trained on, so `--resume` never continues another fit:
    /// the clip, the options and the identity photos (their detail and shape are loss references).
    static func fingerprint(_ clip: ClipPair, options: RefineOptions, inputs: RefineInputs) throws -> String {
        var o = options
        o.preview = true
        o.sigmaVideo = false
        o.crf = 0
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = "\(clip.target.path)|\(clip.target.frameCount)|\(clip.proxy.path)|\(clip.proxy.frameCount)|\(clip.frames)|"
            + String(decoding: try encoder.encode(o), as: UTF8.self) + "|" + inputs.identityPhotos.joined(separator: "|")
            + "|\(inputs.identityLandmarks ?? "")"
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func analyse(_ clip: ClipPair, options: RefineOptions, models: LoadedFaceModels?,
                        progress: (String) -> Void) throws -> (FaceRegions, [Int]) {
        var kind: FaceRegions.Kind
        switch options.region {
        case .auto, .landmarks, .landmarkFile: kind = .landmarks
        case .swap: kind = .swap
        case .masks(let folder):
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            let files = names.filter { $0.lowercased().hasSuffix(".png") }.sorted().map { folder + "/" + $0 }
            guard files.count >= clip.frames else { throw PipelineError("\(folder): \(files.count) mask PNGs for \(clip.frames) frames") }
            kind = .masks(files)
        }
        var fileLandmarks: [[SIMD2<Double>]?]?
        if case .landmarkFile(let path) = options.region { fileLandmarks = try LandmarkFile.read(path, frames: clip.frames) }
        let tracker: FaceTracker? = try kind == .landmarks && fileLandmarks == nil ? models.map { m in
            FaceTracker(detector: try m.detector(), landmarks68: try m.landmarks68())
        } ?? { throw PipelineError("landmark regions need the face models (tools/setup installs them)") }() : nil
        var observed: [FaceObservation?] = [], boxes: [(Double, Double, Double, Double)?] = []
        var cuts: [Int] = [], previous: [Float]?
        try clip.forEach { t, target, proxy in
            let thumb = Segmentation.thumbnail(target)
            if let previous, Segmentation.change(previous, thumb) > Float(options.cutThreshold) { cuts.append(t) }
            previous = thumb
            switch kind {
            case .landmarks where fileLandmarks != nil:
                break
            case .landmarks:
                let face = tracker!.next(target)
                observed.append(face)
            case .masks(let files):
                let image = try PNG.read(files[t]).image8
                guard image.width == target.width, image.height == target.height else {
                    throw PipelineError("\(files[t]) is \(image.width)x\(image.height), the videos are \(target.width)x\(target.height)")
                }
                boxes.append(FaceRegions.boundingBox((0..<(image.width * image.height)).map { Float(image.pixels[$0 * image.channels]) / 255 },
                                                     width: image.width, height: image.height))
            case .swap:
                boxes.append(FaceRegions.boundingBox(FaceRegions.swapMask(target: target, proxy: proxy, feather: 0),
                                                     width: target.width, height: target.height))
            }
            progress(String(format: "analysis %d/%d", t + 1, clip.frames))
        }
        var landmarks: [[SIMD2<Double>]] = []
        let raw = observed.map { $0?.landmarks }
        if kind == .landmarks {
            if fileLandmarks == nil, !raw.contains(where: { $0 != nil }) {
                guard options.region == .auto else { throw PipelineError("no face found in \(clip.target.path) (the detector needs faces of about 80 pixels and up)") }
                // The fallback takes a second pass: the swap difference costs ~50 ms a 1080p frame,
                // spent only when the tracker found nothing.
                kind = .swap
                try clip.forEach { t, target, proxy in
                    boxes.append(FaceRegions.boundingBox(FaceRegions.swapMask(target: target, proxy: proxy, feather: 0),
                                                         width: target.width, height: target.height))
                    progress(String(format: "analysis (swap region) %d/%d", t + 1, clip.frames))
                }
            } else {
                let smoothed = fileLandmarks ?? TrackSmoothing.smooth(raw, sigma: 1.5)
                landmarks = FaceRegions.fillGaps(smoothed)
                boxes = landmarks.map { p in
                    let outline = FaceMask.outline(p, forehead: FaceMaskOptions().forehead)
                    return (outline.map(\.0).min()!, outline.map(\.1).min()!, outline.map(\.0).max()!, outline.map(\.1).max()!)
                }
            }
        }
        var source: String?
        if case .landmarkFile(let path) = options.region { source = path }
        let regions = FaceRegions(kind: kind, width: clip.target.width, height: clip.target.height, boxes: boxes, landmarks: landmarks,
                                  feather: options.feather, landmarkFile: source)
        if kind == .landmarks, fileLandmarks == nil { regions.trackedFaces = observed }
        return (regions, cuts)
    }

    struct Written {
        let video: String
        let masks: String
        let fidelity: Double
        /// Everything written: the video, the masks folder, the preview and σ videos when asked for.
        let files: [String]
        /// Whose sound the video carries.
        let audio: String
    }

    static func writeVideos(_ clip: ClipPair, inputs: RefineInputs, options: RefineOptions, boxes: [CropBox],
                            crops: CropStore, renderer: SegmentRenderer, progress: (String) -> Void) throws -> Written {
        let out = inputs.output, n = options.side
        // The proxy's sound, else the target's (swappers often drop it; it is the same clip).
        let audio = clip.proxy.audio.map { (clip.proxy.path, $0, "the proxy's") }
            ?? clip.target.audio.map { (clip.target.path, $0, "the target's (the proxy has none)") }
        // MP4 unless that audio cannot go into one (FLAC, PCM, …): then Matroska, which takes any.
        let mp4Audio: Set<String> = ["aac", "mp3", "alac", "ac3", "eac3", "opus"]
        let video = out + (audio.map { mp4Audio.contains($0.1.codec) } == false ? "/refined.mkv" : "/refined.mp4")
        let writer = try VideoWriter(path: video, width: clip.target.width, height: clip.target.height,
                                     options: VideoWriterOptions(encoding: .h264(crf: options.crf, preset: "medium"), fps: clip.target.fps,
                                                                 audioSource: audio?.0,
                                                                 timeBase: clip.variableRate ? clip.target.timeBase : nil))
        let preview = options.preview
            ? try VideoWriter(path: out + "/preview.mp4", width: 4 * n, height: n,
                              options: VideoWriterOptions(encoding: .h264(crf: 18, preset: "veryfast"), fps: clip.target.fps))
            : nil
        let sigmaWriter = options.sigmaVideo
            ? try VideoWriter(path: out + "/sigma.mp4", width: n, height: n,
                              options: VideoWriterOptions(encoding: .h264(crf: 18, preset: "veryfast"), fps: clip.target.fps))
            : nil
        let masks = try AtomicOutput(finalPath: out + "/masks")
        try? FileManager.default.removeItem(atPath: masks.temporaryPath)
        try FileManager.default.createDirectory(atPath: masks.temporaryPath, withIntermediateDirectories: true)
        var squared = 0.0, weight = 0.0
        // Committed one after another at the end; a failure part way takes back what was.
        var committed: [String] = []
        do {
            try clip.forEach { t, target, proxy in
                let crop = try crops.frame(t)
                let mask = PasteMask.frameMask(crop.mask, box: boxes[t], width: target.width, height: target.height)
                // Onto the target: outside the paste mask the proxy is the target up to its coding
                // noise, which a swapper's re-encoding adds frame by frame (on a DeepFaceLive pair,
                // pasting onto the proxy kept that noise and removed 22 % of the swap's flicker).
                var frame = target
                let (refined, sigma) = try renderer.render(t, target: crop.target)
                boxes[t].paste(refined, size: n, into: &frame, mask: mask)
                try writer.write(frame, at: clip.variableRate ? clip.targetTimes[t] : nil)
                for i in 0..<(frame.width * frame.height) where mask[i] > 0 {
                    for c in 0..<3 {
                        let d = (Double(frame.pixels[i * 3 + c]) - Double(proxy.pixels[i * 3 + c])) / 255
                        squared += Double(mask[i]) * d * d
                    }
                    weight += 3 * Double(mask[i])
                }
                try PNG.write(Image8(width: frame.width, height: frame.height, channels: 1, pixels: mask.map { quantize($0) }),
                              to: masks.temporaryPath + String(format: "/%06d.png", t + 1))
                let sigmaImage = Self.sigmaImage(sigma, size: n)
                if let preview {
                    try preview.write(Self.sideBySide([crop.target, crop.proxy, interleave(refined, size: n), sigmaImage]))
                }
                try sigmaWriter?.write(sigmaImage)
                progress(String(format: "writing %d/%d", t + 1, clip.frames))
            }
            try writer.finish()
            committed.append(video)
            if let preview { try preview.finish(); committed.append(preview.path) }
            if let sigmaWriter { try sigmaWriter.finish(); committed.append(sigmaWriter.path) }
            try masks.commit()
            committed.append(masks.finalPath)
        } catch {
            masks.abandon()
            for file in committed { try? FileManager.default.removeItem(atPath: file) }
            throw error
        }
        let mse = weight > 0 ? squared / weight : 0
        return Written(video: video, masks: out + "/masks", fidelity: mse > 0 ? 10 * log10(1 / mse) : 99, files: committed,
                       audio: audio.map { "\($0.2) \($0.1.codec)" } ?? "none (neither clip has any)")
    }

    /// σ² = e^s as gray: 0 → black, ≥ 0.25 → white (the predicted L1 error of RGB in [0, 1]).
    static func sigmaImage(_ sigma: [Float], size n: Int) -> Image8 {
        Image8(width: n, height: n, channels: 3, pixels: sigma.flatMap { s in Array(repeating: quantize(min(s * 4, 1)), count: 3) })
    }

    static func sideBySide(_ tiles: [Image8]) -> Image8 {
        let n = tiles[0].width
        var out = Image8(width: n * tiles.count, height: n, channels: 3)
        for (k, tile) in tiles.enumerated() {
            for y in 0..<n { for x in 0..<n { for c in 0..<3 {
                out.pixels[(y * out.width + k * n + x) * 3 + c] = tile.pixels[(y * n + x) * tile.channels + min(c, tile.channels - 1)]
            } } }
        }
        return out
    }

    static func writeReports(_ report: RefineReport, comparison: ComparisonReport, worst: [String: WorstPair],
                             faces: FaceComparisonReport?, output: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicOutput.write(try encoder.encode(report), to: output + "/report.json")
        try AtomicOutput.write(try encoder.encode(report.options), to: output + "/config.json")
        var page = try CompareReport.page(comparison, worst: worst, faces: faces, title: "nicer refine: \(report.proxyName) → refined")
        for warning in report.warnings { page.paragraph("Warning: " + warning + ".") }
        let f = report.flicker
        page.paragraph(String(format: "e_stab in the paste mask, median over %d frame pairs (mean): target %.3g (%.3g), %@ %.3g (%.3g), refined %.3g (%.3g)",
                              f.pairs, f.target.median, f.target.mean, report.proxyName, f.proxy.median, f.proxy.mean, f.refined.median, f.refined.mean)
                       + (f.extraFlickerRemoved.map { String(format: "; %.0f %% of the swap's extra flicker removed", 100 * $0) } ?? "")
                       + String(format: "; %.1f %% of pairs flicker more than 1.5× both swap and target.", 100 * f.pairsWorseThanBoth))
        page.heading("Training")
        for (k, s) in report.segments.enumerated() {
            page.paragraph("Segment \(k + 1), frames \(s.frames[0])…\(s.frames[1]): best epoch \(s.bestEpoch.map(String.init) ?? "–"), stopped: \(s.stopReason ?? "–"). Monitor crops: proxy e_stab \(String(format: "%.4g", s.proxyEStabCrops)), target e_stab \(String(format: "%.4g", s.targetEStabCrops)).")
            if let withdrawal = s.priorWithdrawal {
                page.paragraph("3D prior " + withdrawal.summary + ". Epochs trained with it and discarded: \(withdrawal.discarded.map { String(format: "%d (correction %.2f)", $0.epoch, $0.correction ?? 0) }.joined(separator: ", ")).")
            }
            page.lineChart([("e_stab", s.curve.map { $0.eStab })], xLabel: "epoch", yLabel: "e_stab (monitor pairs)")
            page.lineChart([("fidelity dB", s.curve.map { $0.fidelity }), ("score", s.curve.map { $0.score })],
                           xLabel: "epoch", yLabel: "dB")
            let names = Array(Set(s.curve.flatMap { $0.priorTerms?.keys.map { $0 } ?? [] })).sorted()
            if !names.isEmpty {
                page.lineChart(names.map { name in (name, s.curve.map { $0.priorTerms?[name] }) }, xLabel: "epoch", yLabel: "3D prior terms (weighted)")
                page.lineChart([("m", s.curve.map(\.priorBalance))], xLabel: "epoch", yLabel: "prior balance m = mean e^(−s)")
            }
        }
        var priorLine = "3D prior: \(report.prior)."
        let withdrawn = report.segments.indices.filter { report.segments[$0].priorWithdrawal != nil }.map { String($0 + 1) }
        if !withdrawn.isEmpty { priorLine += " Withdrawn by the collapse guard in segment \(withdrawn.joined(separator: ", "))." }
        if let error = report.priorFitError { priorLine += String(format: " FLAME fit: RMS landmark error %.2f px.", error) }
        if let distance = report.shapeDistance { priorLine += String(format: " Shape distance to the identity photos: %.3f.", distance) }
        page.paragraph(priorLine + " Features: \(report.features). Region: \(report.region). Crops: \(report.cropSize.side)² (\(report.cropSize.reason)).")
        try AtomicOutput.write(Data(page.render().utf8), to: output + "/report.html")
    }
}

extension Segmentation {
    /// Linear fusion weights in overlaps: a frame shared by two segments fades from the earlier
    /// segment's output to the later one's across the overlap, so no seam flickers.
    static func fusionWeight(_ t: Int, segment: Range<Int>, segments: [Range<Int>]) -> Float {
        var w: Float = 1
        for other in segments where other != segment && other.overlaps(segment) && other.contains(t) {
            let shared = max(other.lowerBound, segment.lowerBound)..<min(other.upperBound, segment.upperBound)
            let position = (Float(t - shared.lowerBound) + 0.5) / Float(shared.count)
            w = min(w, other.lowerBound < segment.lowerBound ? position : 1 - position)
        }
        return w
    }
}
