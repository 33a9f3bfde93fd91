import Faces
import Foundation
import Media
import Stability
import Tensor

/// Pass 1 of refine: where the face is in every frame (tracked landmarks, a landmark file, mask
/// PNGs or the swap's footprint) and where the scene cuts are.
enum RegionAnalysis {
    /// The landmarks of `--landmarks FILE`, read before any output is written (nil without one).
    static func landmarkFile(_ options: RefineOptions, clip: ClipPair) throws -> [[SIMD2<Double>]?]? {
        guard case .landmarkFile(let path) = options.region else { return nil }
        return try LandmarkFile.read(path, frames: clip.frames, size: (clip.target.width, clip.target.height))
    }

    /// The face region of every frame and the scene cuts; `passes` is 2 when the tracker found no
    /// face and `--region auto` fell back to the swap's own difference (a second read).
    static func run(_ clip: ClipPair, options: RefineOptions, models: LoadedFaceModels?, fileLandmarks: [[SIMD2<Double>]?]?,
                    progress: (String) -> Void) throws -> (regions: FaceRegions, cuts: [Int], passes: Int) {
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
        let tracker: FaceTracker? = try kind == .landmarks && fileLandmarks == nil ? models.map { m in
            FaceTracker(detector: try m.detector(), landmarks68: try m.landmarks68())
        } ?? { throw PipelineError("landmark regions need the face models (tools/setup installs them)") }() : nil
        var observed: [FaceObservation?] = [], boxes: [(Double, Double, Double, Double)?] = []
        var cuts: [Int] = [], previous: [Float]?
        var changed: [Int] = [], previousFrame: Image8?
        var correlations: [Double?] = []
        var unchanged = true
        try clip.forEach { t, target, proxy in
            unchanged = unchanged && target.pixels == proxy.pixels
            let thumb = Segmentation.thumbnail(target)
            correlations.append(PairCheck.correlation(thumb, Segmentation.thumbnail(proxy)))
            if let previous, Segmentation.change(previous, thumb) > Float(options.cutThreshold) { cuts.append(t) }
            previous = thumb
            changed.append(previousFrame.map { CropTrack.changedPixels($0, target) } ?? Int.max)
            previousFrame = target
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
        guard !unchanged else {
            throw PipelineError("proxy \(clip.proxy.path) shows exactly the frames of target \(clip.target.path): nothing was swapped, so there is nothing to refine")
        }
        try PairCheck.check(correlations, minimum: options.pairCorrelation, target: clip.target.path, proxy: clip.proxy.path)
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
        regions.changedPixels = changed
        return (regions, cuts, kind == .swap && options.region == .auto ? 2 : 1)
    }
}
