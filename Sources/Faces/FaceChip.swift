import Foundation
public import Tensor

/// An aligned face chip, as dlib's `get_face_chip_details` + `extract_image_chip` make them for
/// the identity network: the similarity transform taking a mean-face template (5 points, or the
/// 68-point set without brows and lower lip) onto the landmarks, with `padding` of the face size
/// added on each side, sampled bilinearly into a size×size image.
public struct FaceChip: Sendable {
    /// Chip pixel (c, r) ↦ image point: origin + c·columnStep + r·rowStep.
    public let origin: (x: Double, y: Double)
    public let columnStep: (x: Double, y: Double)
    public let rowStep: (x: Double, y: Double)
    public let size: Int

    /// The chip placement for 5 or 68 landmarks (dlib's templates).
    public init(landmarks: [Landmark], size: Int = FaceIdentity.chipSize, padding: Double = 0.25) {
        precondition(landmarks.count == 5 || landmarks.count == 68, "chips need 5 or 68 landmarks")
        var template: [(Double, Double)] = [], points: [(Double, Double)] = []
        func add(_ x: Double, _ y: Double, _ p: Landmark) {
            template.append(((padding + x) / (2 * padding + 1) * Double(size), (padding + y) / (2 * padding + 1) * Double(size)))
            points.append((Double(p.x), Double(p.y)))
        }
        if landmarks.count == 5 {
            for (i, t) in Self.template5.enumerated() { add(t.0, t.1, landmarks[i]) }
        } else {
            for i in 17..<68 where !(55...59).contains(i) && !(65...67).contains(i) && !(17...26).contains(i) {
                add(Self.template68x[i - 17], Self.template68y[i - 17], landmarks[i])
            }
        }
        // Similarity transform chip → image; dlib keeps its rotation and scale and centres a
        // size·scale rectangle on the image of the chip centre.
        let (a, b, tx, ty) = similarityTransform(from: template, to: points)
        let scale = (a * a + b * b).squareRoot(), angle = atan2(b, a)
        let half = Double(size) / 2
        let centre = (a * half - b * half + tx, b * half + a * half + ty)
        let extent = (Double(size) * scale - 1) / 2
        // The rectangle's corners rotated by the angle about the centre; chip corners map onto them.
        func corner(_ dx: Double, _ dy: Double) -> (Double, Double) {
            (centre.0 + cos(angle) * dx - sin(angle) * dy, centre.1 + sin(angle) * dx + cos(angle) * dy)
        }
        let topLeft = corner(-extent, -extent), topRight = corner(extent, -extent), bottomLeft = corner(-extent, extent)
        let last = Double(size - 1)
        origin = topLeft
        columnStep = ((topRight.0 - topLeft.0) / last, (topRight.1 - topLeft.1) / last)
        rowStep = ((bottomLeft.0 - topLeft.0) / last, (bottomLeft.1 - topLeft.1) / last)
        self.size = size
    }

    /// Image pixels per chip pixel.
    public var scale: Double { (columnStep.x * columnStep.x + columnStep.y * columnStep.y).squareRoot() }

    /// Samples the chip bilinearly (values truncated, outside the image black, as dlib does).
    /// When the chip shrinks the face by more than 2×, the image is first averaged over
    /// ⌊scale⌋×⌊scale⌋ boxes so detail does not alias (dlib uses a 2× Gaussian pyramid there; the
    /// chips then differ slightly from dlib's).
    public func extract(from image: Image8) -> Image8 {
        let factor = scale > 2 ? Int(scale) : 1
        let source = factor > 1 && image.width / factor > 1 && image.height / factor > 1 ? boxShrink(image, factor) : image
        let shift = factor > 1 ? 0.5 / Double(factor) - 0.5 : 0  // box centres sit between the source pixels
        var chip = Image8(width: size, height: size, channels: 3)
        for r in 0..<size {
            for c in 0..<size {
                let x = (origin.x + Double(c) * columnStep.x + Double(r) * rowStep.x) / Double(factor) + shift
                let y = (origin.y + Double(c) * columnStep.y + Double(r) * rowStep.y) / Double(factor) + shift
                let left = Int(x.rounded(.down)), top = Int(y.rounded(.down))
                guard left >= 0, top >= 0, left + 1 < source.width, top + 1 < source.height else { continue }
                let fx = x - Double(left), fy = y - Double(top)
                for k in 0..<3 {
                    let ch = min(k, source.channels - 1)
                    func v(_ xx: Int, _ yy: Int) -> Double { Double(source.pixels[(yy * source.width + xx) * source.channels + ch]) }
                    let value = (1 - fy) * ((1 - fx) * v(left, top) + fx * v(left + 1, top))
                        + fy * ((1 - fx) * v(left, top + 1) + fx * v(left + 1, top + 1))
                    chip.pixels[(r * size + c) * 3 + k] = UInt8(value)
                }
            }
        }
        return chip
    }

    static let template5: [(Double, Double)] = [
        (0.8595674595992, 0.2134981538014), (0.6460604764104, 0.2289674387677), (0.1205750620789, 0.2137274526848),
        (0.3340850613712, 0.2290642403242), (0.4901123135679, 0.6277975316475),
    ]
    /// dlib's mean face, points 17…67 (interpolation.h).
    static let template68x: [Double] = [
        0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127,
        0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825,
        0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985,
        0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379,
        0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
    ]
    static let template68y: [Double] = [
        0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
        0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758,
        0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233,
        0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805,
        0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803, 0.824182,
    ]
}

/// Least-squares similarity transform (Umeyama) taking `from` onto `to`: x' = a·x − b·y + tx,
/// y' = b·x + a·y + ty.
public func similarityTransform(from: [(Double, Double)], to: [(Double, Double)]) -> (Double, Double, Double, Double) {
    let n = Double(from.count)
    let mf = from.reduce((0.0, 0.0)) { ($0.0 + $1.0 / n, $0.1 + $1.1 / n) }
    let mt = to.reduce((0.0, 0.0)) { ($0.0 + $1.0 / n, $0.1 + $1.1 / n) }
    var sigma = 0.0, p = 0.0, q = 0.0
    for (f, t) in zip(from, to) {
        let fx = f.0 - mf.0, fy = f.1 - mf.1, ux = t.0 - mt.0, uy = t.1 - mt.1
        sigma += fx * fx + fy * fy
        p += ux * fx + uy * fy
        q += uy * fx - ux * fy
    }
    guard sigma > 0 else { return (1, 0, mt.0 - mf.0, mt.1 - mf.1) }
    let a = p / sigma, b = q / sigma
    return (a, b, mt.0 - (a * mf.0 - b * mf.1), mt.1 - (b * mf.0 + a * mf.1))
}
