import Faces
import Flow
import Foundation
import Media
import Stability
import Tensor

/// The scoring pass: the delivered video read back as a player decodes it, beside the target and
/// the proxy, each decoded once. e_stab of proxy, refined and the target itself on the target's
/// flow in the paste masks (masks/, the files `nicer compare --mask` takes), the worst pairs, and
/// the face measures (identity, eye and mouth consistency, jitter) in the same read.
enum ScoringPass {
    struct Scores {
        let comparison: ComparisonReport
        let worst: [String: WorstPair]
        let faces: FaceComparisonReport?
        /// Why there are no face measures, when there are none.
        let facesSkipped: String?
        /// Seconds of the pass spent on the face measures.
        let facesSeconds: Double
        let swapKept: Double?
    }

    static func run(_ clip: ClipPair, inputs: RefineInputs, options: RefineOptions, written: WritePass.Written,
                    regions: FaceRegions, models: FaceModels?, loaded: LoadedFaceModels?, photoLandmarks: [[SIMD2<Double>]]?,
                    progress: (String) -> Void) throws -> Scores {
        let preset = DISOpticalFlow.Preset(rawValue: options.scoringFlow) ?? .fast
        let names = [(inputs.proxyName, inputs.proxy), ("refined", written.video), ("target", inputs.target)]
        let scorer = ComparisonScorer(proxies: names, width: clip.target.width, height: clip.target.height, preset: preset)
        let source = MaskSource.folder(written.masks)
        let masks = try MaskProvider(source: source, width: clip.target.width, height: clip.target.height, target: inputs.target)
        // Face measures on every region kind: the analysis's tracked target faces when it tracked
        // them, else the measurer tracks the target itself.
        var measurer: FaceMeasurer?, facesSkipped: String?
        if let models, let loaded {
            do {
                measurer = try FaceMeasurer(videos: [inputs.proxyName, "refined"], identityPhotos: inputs.identityPhotos,
                                            versus: [("refined", inputs.proxyName), ("refined", FaceMeasurer.target),
                                                     (inputs.proxyName, FaceMeasurer.target)], models: models, detector: try loaded.detector(),
                                            landmarks68: try loaded.landmarks68(), targetFaces: regions.trackedFaces,
                                            placement: regions.landmarkFile == nil ? nil : regions.landmarks, photoLandmarks: photoLandmarks)
            } catch let error as PipelineError {
                facesSkipped = error.description
            }
        } else {
            facesSkipped = "the face models are not installed (tools/setup installs them)"
        }
        let targets = try ReadAheadReader(path: inputs.target)
        let proxies = try MappedReader(path: inputs.proxy, map: clip.proxyMap)
        let refined = try ReadAheadReader(path: written.video)
        var measuring = measurer != nil
        var kept = SwapKept()
        // Each frame's mask is read once: for its own frame, then as the scorer's previous frame.
        var cached: [Int: [Float]?] = [:]
        func mask(_ k: Int) throws -> [Float]? {
            if let m = cached[k] { return m }
            let m = try masks.mask(frame: k)
            cached = [k: m]
            return m
        }
        for t in 0..<clip.frames {
            guard let target = try targets.nextFrame() else { throw PipelineError("\(inputs.target) ended after \(t) frames") }
            guard let proxy = try proxies.nextFrame() else { throw PipelineError("\(inputs.proxy) ended after \(t) frames") }
            guard let output = try refined.nextFrame() else { throw PipelineError("\(written.video) ended after \(t) frames") }
            try masks.next(target: target)
            let previous = t > 0 ? try mask(t - 1) : nil
            try scorer.add(target: target, frames: [proxy, output, target], mask: { k in k == t - 1 ? previous : try mask(k) })
            kept.add(target: target.pixels, proxy: proxy.pixels, refined: output.pixels, mask: try mask(t))
            if measuring { measuring = measurer!.add(target: target, frames: [proxy, output]) }
            FailPoint.kill("scoring", t)
            progress(String(format: "scoring %d/%d", t + 1, clip.frames))
        }
        let (comparison, worst) = try scorer.finish(target: inputs.target, mask: source, preset: preset) { try mask($0) }
        var faces: FaceComparisonReport?
        do {
            faces = try measurer?.finish(target: inputs.target)
        } catch let error as PipelineError {
            facesSkipped = error.description
        }
        return Scores(comparison: comparison, worst: worst, faces: faces, facesSkipped: facesSkipped, facesSeconds: measurer?.seconds ?? 0,
                      swapKept: kept.ratio)
    }
}
