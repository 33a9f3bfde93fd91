import Foundation
public import Tensor

/// A face crop aligned as DeepfakeBench's preprocessing makes its training crops: five of the 68
/// landmarks (an upper eyelid point of each eye, the nose tip, two points by the mouth corners)
/// mapped by a least-squares similarity onto the ArcFace 112-pixel template (shifted 8 pixels
/// right, as DeepfakeBench does), scaled to `size` with a margin of (scale − 1)/2 of the size on
/// each side, and sampled bilinearly with black outside the image (cv2.warpAffine's defaults).
/// Detectors trained on DeepfakeBench's crops see the same framing on nicer's.
public struct AlignedFaceCrop: Sendable {
    /// The 68-point indices DeepfakeBench takes (it reads the same points of its 81-point model).
    public static let landmarkIndices = [37, 44, 30, 49, 55]
    static let arcFace112: [(Double, Double)] = [
        (30.2946, 51.6963), (65.5318, 51.5014), (48.0252, 71.7366), (33.5493, 92.3655), (62.7299, 92.2041),
    ]

    public let size: Int
    /// Image → crop: x' = a·x − b·y + tx, y' = b·x + a·y + ty.
    public let a: Double, b: Double, tx: Double, ty: Double

    public init(landmarks: [Landmark], size: Int = 256, scale: Double = 1.3) {
        precondition(landmarks.count == 68, "aligned crops need the 68 landmarks")
        let margin = Double(size) * (scale - 1) / 2
        let shrink = Double(size) / (Double(size) + 2 * margin)
        let template = Self.arcFace112.map { p in
            (((p.0 + 8) * Double(size) / 112 + margin) * shrink, (p.1 * Double(size) / 112 + margin) * shrink)
        }
        let points = Self.landmarkIndices.map { (Double(landmarks[$0].x), Double(landmarks[$0].y)) }
        (a, b, tx, ty) = similarityTransform(from: points, to: template)
        self.size = size
    }

    /// The crop of `image` (RGB or grey; RGB out).
    public func extract(from image: Image8) -> Image8 {
        // Crop pixel → image point: the similarity's inverse.
        let s2 = a * a + b * b
        let (ia, ib) = (a / s2, -b / s2)
        let (itx, ity) = (-(ia * tx - ib * ty), -(ib * tx + ia * ty))
        var crop = Image8(width: size, height: size, channels: 3)
        let w = image.width, h = image.height, channels = image.channels
        for r in 0..<size {
            for c in 0..<size {
                let x = ia * Double(c) - ib * Double(r) + itx
                let y = ib * Double(c) + ia * Double(r) + ity
                let left = Int(x.rounded(.down)), top = Int(y.rounded(.down))
                guard left >= -1, top >= -1, left < w, top < h else { continue }
                let fx = x - Double(left), fy = y - Double(top)
                for k in 0..<3 {
                    let ch = min(k, channels - 1)
                    // Neighbours outside the image count as black, so the border fades as OpenCV's does.
                    func v(_ xx: Int, _ yy: Int) -> Double {
                        xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : Double(image.pixels[(yy * w + xx) * channels + ch])
                    }
                    let value = (1 - fy) * ((1 - fx) * v(left, top) + fx * v(left + 1, top))
                        + fy * ((1 - fx) * v(left, top + 1) + fx * v(left + 1, top + 1))
                    crop.pixels[(r * size + c) * 3 + k] = UInt8(min(255, value.rounded()))
                }
            }
        }
        return crop
    }
}
