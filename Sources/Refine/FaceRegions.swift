import Faces
import Foundation
import Media
import Tensor

/// The face region of every frame of a clip: where to crop, and what to paste back into.
/// Built in one pass over target and proxy; masks are rendered again on demand at full size.
final class FaceRegions {
    enum Kind: Equatable {
        case landmarks
        case masks([String])
        case swap
    }

    let kind: Kind
    let width: Int
    let height: Int
    /// Region bounding boxes per frame (nil: none found in that frame).
    let boxes: [(Double, Double, Double, Double)?]
    /// Smoothed 68-point landmarks (landmark regions only; gaps filled from the nearest frame).
    let landmarks: [[SIMD2<Double>]]
    let feather: Double
    /// Where the landmarks came from when not from the tracker.
    let landmarkFile: String?
    /// The tracker's raw faces of the target, one per frame (landmark regions it tracked), for
    /// the face measures, which would otherwise track the target again.
    var trackedFaces: [FaceObservation?]?
    /// Pixels of each frame of the target that changed from the frame before (`CropTrack.changedPixels`;
    /// Int.max for the first); empty when not measured.
    var changedPixels: [Int] = []

    /// What the report says about the region.
    var description: String {
        switch kind {
        case .landmarks: landmarkFile.map { "68-point landmarks from \($0)" } ?? "68-point landmarks of the target (MMOD detector + tracker, smoothed)"
        case .masks(let files): "mask PNGs (\(files.count) files)"
        case .swap: "where the proxy differs from the target"
        }
    }

    init(kind: Kind, width: Int, height: Int, boxes: [(Double, Double, Double, Double)?], landmarks: [[SIMD2<Double>]], feather: Double,
         landmarkFile: String? = nil) {
        self.landmarkFile = landmarkFile
        self.kind = kind
        self.width = width
        self.height = height
        self.boxes = boxes
        self.landmarks = landmarks
        self.feather = feather
    }

    /// The frame's face mask in [0, 1], frame-sized: the hull plus forehead (landmarks), the
    /// supplied PNG, or the dilated swap difference, feathered.
    func mask(frame t: Int, target: Image8, proxy: Image8) throws -> [Float] {
        switch kind {
        case .landmarks:
            var options = FaceMaskOptions()
            options.feather = feather
            let image = FaceMask.render(landmarks[t], width: width, height: height, options: options)
            return image.pixels.map { Float($0) / 255 }
        case .masks(let files):
            let image = try PNG.read(files[min(t, files.count - 1)]).image8
            guard image.width == width, image.height == height else {
                throw PipelineError("\(files[t]) is \(image.width)x\(image.height), the videos are \(width)x\(height)")
            }
            return (0..<(width * height)).map { Float(image.pixels[$0 * image.channels]) / 255 }
        case .swap:
            return Self.swapMask(target: target, proxy: proxy, feather: feather)
        }
    }

    /// Pixels where the proxy differs from the target by more than 12/255 in some channel,
    /// closed and feathered (the swap's footprint).
    static func swapMask(target: Image8, proxy: Image8, feather: Double) -> [Float] {
        let w = target.width, h = target.height
        var mask = [Float](repeating: 0, count: w * h)
        for i in 0..<(w * h) {
            var d = 0
            for c in 0..<3 { d = max(d, abs(Int(target.pixels[i * 3 + c]) - Int(proxy.pixels[i * 3 + c]))) }
            mask[i] = d > 12 ? 1 : 0
        }
        let radius = max(1, Int(feather * Double(min(w, h)) / 4))
        mask = FaceMask.boxBlur(mask, radius: radius, width: w, height: h).map { $0 > 0.2 ? 1 : 0 }  // close small holes
        return FaceMask.boxBlur(FaceMask.boxBlur(mask, radius: radius, width: w, height: h), radius: radius, width: w, height: h)
    }

    /// Every frame's landmarks: frames without any take the nearest frame's (the face must stay
    /// swapped where the tracker lost it). At least one frame must have landmarks.
    static func fillGaps(_ frames: [[SIMD2<Double>]?]) -> [[SIMD2<Double>]] {
        let present = frames.indices.filter { frames[$0] != nil }
        return frames.indices.map { t in frames[t] ?? frames[present.min { abs($0 - t) < abs($1 - t) }!]! }
    }

    /// Robust bounding box of a mask: the 2nd–98th percentile of the on pixels' coordinates.
    static func boundingBox(_ mask: [Float], width: Int, height: Int) -> (Double, Double, Double, Double)? {
        var xs: [Int] = [], ys: [Int] = []
        for y in 0..<height { for x in 0..<width where mask[y * width + x] > 0.5 { xs.append(x); ys.append(y) } }
        guard xs.count >= 16 else { return nil }
        xs.sort(); ys.sort()
        func pick(_ v: [Int], _ q: Double) -> Double { Double(v[min(v.count - 1, Int(q * Double(v.count - 1)))]) }
        return (pick(xs, 0.02), pick(ys, 0.02), pick(xs, 0.98), pick(ys, 0.98))
    }
}
