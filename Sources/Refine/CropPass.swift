import Foundation
import Media
import Reports
import Tensor

/// crops.json: where each frame's training crop (and preview/σ tile) lies in the frame.
public struct CropList: Codable, Sendable {
    public var size: Int
    public var boxes: [CropBox]
}

/// Pass 2 of refine: each frame's crop box (the region's box with its margin, smoothed over time
/// within each run between cuts), the crop side the face's resolution calls for, and every
/// frame's target, proxy and paste-mask crops into the scratch store the fit reads.
enum CropPass {
    struct Crops {
        let boxes: [CropBox]
        let size: CropSize
        let store: CropStore
    }

    static func run(_ clip: ClipPair, regions: FaceRegions, runs: [Range<Int>], options: RefineOptions, work: String, output: String,
                    progress: (String) -> Void) throws -> Crops {
        let raw = regions.boxes.map { $0.map { CropBox(left: $0.0, top: $0.1, right: $0.2, bottom: $0.3, margin: options.margin) } }
        let still = CropTrack.stillFrames(changedPixels: regions.changedPixels, boxes: raw)
        guard let boxes = CropTrack.smooth(raw, sigma: options.boxSmoothing, segments: runs, still: still) else {
            throw PipelineError("no face region found in \(clip.target.path) (region: \(regions.description))")
        }
        let size = CropSize.resolve(boxes: boxes, cap: options.size, levels: options.levels)
        let side = size.side
        try ReportFiles.writeJSON(CropList(size: side, boxes: boxes), to: output + "/crops.json", pretty: false)
        // Kept on disk: memory holds one segment's crops at a time.
        let store = try CropStore(path: work + "/crops.scratch", size: side)
        try clip.forEach { t, target, proxy in
            let mask = try regions.mask(frame: t, target: target, proxy: proxy)
            let maskImage = Image8(width: target.width, height: target.height, channels: 1, pixels: mask.map { quantize($0) })
            let targetCrop = boxes[t].extract(target, size: side), proxyCrop = boxes[t].extract(proxy, size: side)
            try store.append(target: targetCrop, proxy: proxyCrop,
                             mask: PasteMask.footprint(region: boxes[t].extract(maskImage, size: side), target: targetCrop, proxy: proxyCrop))
            FailPoint.kill("crops", t)
            progress(String(format: "crops %d/%d", t + 1, clip.frames))
        }
        try pasteMasks(store, runs: runs, frames: clip.frames)
        return Crops(boxes: boxes, size: size, store: store)
    }

    /// Each frame's footprint in the store replaced by its paste mask (`PasteMask.masks`).
    static func pasteMasks(_ store: CropStore, runs: [Range<Int>], frames: Int) throws {
        for run in runs.isEmpty ? [0..<frames] : runs {
            try PasteMask.masks(run, footprint: { try store.frame($0).mask }, emit: { try store.replaceMask($0, with: $1) })
        }
    }
}
