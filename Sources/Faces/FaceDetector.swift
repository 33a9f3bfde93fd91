import Foundation
import NeuralNet
public import Tensor

/// A detected face: its box in image pixels (right/bottom inclusive) and the detector's score.
public struct FaceDetection: Codable, Equatable, Sendable {
    public var box: FaceBox
    public var confidence: Float

    /// The box the 68-point predictor expects. It was trained on dlib's HOG detector boxes, which
    /// sit lower and slightly right of MMOD's (measured over 66 faces: dx = +0.02·w, dy = +0.07·w,
    /// same size; ../shared/notes/face-assets.md §2).
    public var landmarkBox: FaceBox {
        let w = Double(box.right - box.left + 1)
        let dx = Int((0.02 * w).rounded()), dy = Int((0.07 * w).rounded())
        return FaceBox(left: box.left + dx, top: box.top + dy, right: box.right + dx, bottom: box.bottom + dy)
    }
}

/// dlib's MMOD CNN face detector (`mmod_human_face_detector.dat`) on nicer's convolution engine:
/// the network scans a tiled 5/6-rate image pyramid in one pass; every output above the threshold
/// is an 80×80 window mapped back to the image, then non-maximum suppression keeps the best of
/// each overlapping group. Boxes match dlib's `cnn_face_detection_model_v1` (no upsampling).
/// Faces smaller than about 80 pixels are not found; upscale the image first for those.
public final class FaceDetector {
    let network: Network
    let means: (Float, Float, Float)
    let window: (width: Int, height: Int)
    let nmsIoU: Double
    let nmsCovered: Double
    /// Output cell (c, r) is centred on input pixel (scale·c + offset, scale·r + offset).
    let outputScale: Int
    let outputOffset: Int

    public init(path: String) throws {
        var reader = try DlibReader(path: path)
        var options: (Int, Int, Double, Double) = (0, 0, 0, 0)
        let file = try reader.network { r, loss in
            guard loss == "loss_mmod_" else { throw r.fail("the MMOD loss layer (loss_mmod_), found \(loss): not a face detector") }
            let version = try r.integer("the mmod options version")
            guard version == 1 else { throw r.fail("mmod options version 1, found \(version)") }
            let width = try r.count("the window width", limit: 10_000), height = try r.count("the window height", limit: 10_000)
            for what in ["loss per false alarm", "loss per miss", "truth match IoU"] { _ = try r.double(what) }
            let iou = try r.double("the NMS IoU"), covered = try r.double("the NMS covered fraction")
            _ = (try r.double("the ignore IoU"), try r.double("the ignore covered fraction"))
            options = (width, height, iou, covered)
        }
        guard reader.isAtEnd else { throw reader.fail("the end of the file") }
        guard file.input.hasPrefix("input_rgb_image_pyramid") else { throw reader.fail("a pyramid input layer, found \(file.input)") }
        let built = try FoldedNetwork.build(file.layers, path: path)
        network = built.network
        outputScale = built.scale
        outputOffset = built.offset
        means = file.inputMeans
        window = (options.0, options.1)
        nmsIoU = options.2
        nmsCovered = options.3
    }

    /// Faces in an RGB (or gray) image, best first. `threshold` is dlib's `adjust_threshold`:
    /// lower finds more faces and more false ones.
    public func detect(_ image: Image8, threshold: Float = 0) -> [FaceDetection] {
        let pyramid = TiledPyramid(imageWidth: image.width, imageHeight: image.height)
        let scores = network.forward(input(image, pyramid))
        return nonMaximumSuppression(candidates(scores, pyramid, threshold: threshold))
    }

    /// Faces in a large frame, detected on a copy shrunk by a whole factor until its longer side is
    /// at most `maxSide` (a box average), boxes scaled back: on 1080p video the detector then costs
    /// a quarter, and faces still need only about 80·factor pixels.
    public func detect(_ image: Image8, threshold: Float = 0, maxSide: Int) -> [FaceDetection] {
        let factor = max(1, (max(image.width, image.height) + maxSide - 1) / maxSide)
        guard factor > 1 else { return detect(image, threshold: threshold) }
        return detect(boxShrink(image, factor), threshold: threshold).map { d in
            let b = d.box
            return FaceDetection(box: FaceBox(left: b.left * factor, top: b.top * factor, right: (b.right + 1) * factor - 1,
                                              bottom: (b.bottom + 1) * factor - 1), confidence: d.confidence)
        }
    }

    /// The tiled pyramid as a [1, 3, H, W] tensor of (value − channel mean) / 256, zero between levels.
    func input(_ image: Image8, _ pyramid: TiledPyramid) -> Tensor {
        let x = Tensor(Shape(1, 3, pyramid.height, pyramid.width))
        x.fill(0)
        let base = pyramid.levels[0], mean = [means.0, means.1, means.2]
        for c in 0..<3 {
            let plane = x.pointer + c * x.shape.plane
            let source = min(c, image.channels - 1)
            for y in 0..<image.height {
                let row = plane + (base.top + y) * pyramid.width + base.left
                for xx in 0..<image.width {
                    row[xx] = (Float(image.pixels[(y * image.width + xx) * image.channels + source]) - mean[c]) / 256
                }
            }
            for (from, to) in zip(pyramid.levels, pyramid.levels.dropFirst()) {
                resizeBilinear(plane + from.top * pyramid.width + from.left, width: from.width, height: from.height,
                               stride: pyramid.width, into: plane + to.top * pyramid.width + to.left,
                               width: to.width, height: to.height, stride: pyramid.width)
            }
        }
        return x
    }

    private func candidates(_ scores: Tensor, _ pyramid: TiledPyramid, threshold: Float) -> [(rect: (Double, Double, Double, Double), score: Float)] {
        var found: [(rect: (Double, Double, Double, Double), score: Float)] = []
        let w = scores.shape.w
        let halfWidth = Double(window.width - 1) / 2, halfHeight = Double(window.height - 1) / 2
        for r in 0..<scores.shape.h {
            for c in 0..<w {
                let score = scores.pointer[r * w + c]
                guard score > threshold else { continue }
                let px = Double(outputScale * c + outputOffset), py = Double(outputScale * r + outputOffset)
                found.append((pyramid.toImage(left: px - halfWidth, top: py - halfHeight, right: px + halfWidth, bottom: py + halfHeight), score))
            }
        }
        // Best first; equal scores keep scan order.
        return found.enumerated().sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
            .map(\.element)
    }

    /// Greedy NMS with dlib's overlap test: two boxes overlap when intersection / bounding-box
    /// area exceeds the IoU threshold or the intersection covers more than the covered threshold
    /// of either box.
    private func nonMaximumSuppression(_ candidates: [(rect: (Double, Double, Double, Double), score: Float)]) -> [FaceDetection] {
        var kept: [(PixelRect, Float)] = []
        for candidate in candidates {
            let (l, t, r, b) = candidate.rect
            func round(_ v: Double) -> Int { Int(v.rounded(.toNearestOrAwayFromZero)) }
            let rect = PixelRect(left: round(l), top: round(t), right: round(r), bottom: round(b))
            let overlaps = kept.contains { other, _ in
                let inner = Double(other.intersection(rect).area)
                guard inner > 0 else { return false }
                return inner / Double(other.union(rect).area) > nmsIoU || inner / Double(other.area) > nmsCovered
                    || inner / Double(rect.area) > nmsCovered
            }
            if !overlaps { kept.append((rect, candidate.score)) }
        }
        return kept.map { FaceDetection(box: FaceBox(left: $0.left, top: $0.top, right: $0.right, bottom: $0.bottom), confidence: $1) }
    }
}

/// The image shrunk by a whole factor, each pixel the rounded mean of a factor×factor box
/// (trailing rows and columns dropped).
public func boxShrink(_ image: Image8, _ k: Int) -> Image8 {
    let w = image.width / k, h = image.height / k, ch = image.channels
    guard k > 1, w >= 1, h >= 1 else { return image }
    var out = Image8(width: w, height: h, channels: ch)
    for y in 0..<h {
        for x in 0..<w {
            for c in 0..<ch {
                var sum = 0
                for dy in 0..<k { for dx in 0..<k { sum += Int(image.pixels[((y * k + dy) * image.width + x * k + dx) * ch + c]) } }
                out.pixels[(y * w + x) * ch + c] = UInt8((sum + k * k / 2) / (k * k))
            }
        }
    }
    return out
}
