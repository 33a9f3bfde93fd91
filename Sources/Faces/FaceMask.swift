import Foundation
public import Tensor

/// A face mask from 68 landmarks (iBUG order: jaw 0–16, brows 17–26, nose 27–35, eyes 36–47,
/// outer lips 48–59, inner lips 60–67): the convex hull of the landmarks plus a forehead band
/// above the brows, optionally without (or only) the eyes and the mouth, feathered at the edge.
public struct FaceMaskOptions: Codable, Equatable, Sendable {
    public enum Region: String, Codable, Sendable, CaseIterable {
        case eyes, mouth
    }

    /// Forehead band height as a fraction of the nose-bridge-to-chin distance (0…1).
    public var forehead: Double = 0.45
    /// Regions cut out of the face mask.
    public var exclude: Set<Region> = []
    /// When not empty, the mask covers only these regions.
    public var isolate: Set<Region> = []
    /// Feather width as a fraction of the face width (0 = hard edge).
    public var feather: Double = 0.06

    public init() {}
}

public enum FaceMask {
    /// The 68 points plus the forehead band, in image coordinates.
    public static func outline(_ points: [Landmark], forehead: Double) -> [(Double, Double)] {
        outline(points.map { SIMD2(Double($0.x), Double($0.y)) }, forehead: forehead)
    }

    public static func outline(_ points: [SIMD2<Double>], forehead: Double) -> [(Double, Double)] {
        precondition(points.count == 68, "face masks need the 68-point layout")
        let p = points.map { ($0.x, $0.y) }
        // "Up" runs from the chin (8) to the nose bridge (27); the band rises from the brows.
        let (ux, uy) = (p[27].0 - p[8].0, p[27].1 - p[8].1)
        let length = max((ux * ux + uy * uy).squareRoot(), 1e-9)
        let lift = forehead * length
        let band = p[17...26].map { ($0.0 + ux / length * lift, $0.1 + uy / length * lift) }
        return p + band
    }

    /// Soft mask (gray, 0…255) of `width`×`height` for one face.
    public static func render(_ points: [Landmark], width: Int, height: Int, options: FaceMaskOptions = .init()) -> Image8 {
        render(points.map { SIMD2(Double($0.x), Double($0.y)) }, width: width, height: height, options: options)
    }

    /// The same from sub-pixel (smoothed) points.
    public static func render(_ points: [SIMD2<Double>], width: Int, height: Int, options: FaceMaskOptions = .init()) -> Image8 {
        precondition(points.count == 68, "face masks need the 68-point layout")
        let p = points.map { ($0.x, $0.y) }
        func region(_ r: FaceMaskOptions.Region) -> [(Double, Double)] {
            switch r {
            case .eyes: return Array(p[36...41]) + Array(p[42...47])
            case .mouth: return Array(p[48...59])
            }
        }
        func polygons(_ r: FaceMaskOptions.Region) -> [[(Double, Double)]] {
            r == .eyes ? [convexHull(Array(p[36...41])), convexHull(Array(p[42...47]))] : [convexHull(region(r))]
        }
        var mask = [Float](repeating: 0, count: width * height)
        if options.isolate.isEmpty {
            fill(convexHull(outline(points, forehead: options.forehead)), value: 1, into: &mask, width: width, height: height)
            for r in options.exclude { for poly in polygons(r) { fill(poly, value: 0, into: &mask, width: width, height: height) } }
        } else {
            for r in options.isolate { for poly in polygons(r) { fill(poly, value: 1, into: &mask, width: width, height: height) } }
        }
        let faceWidth = hypot(p[16].0 - p[0].0, p[16].1 - p[0].1)
        let radius = Int((options.feather * faceWidth / 2).rounded())
        if radius > 0 { mask = featherBlur(mask, radius: radius, width: width, height: height) }
        return Image8(width: width, height: height, channels: 1, pixels: mask.map { quantize($0) })
    }

    /// Convex hull (Andrew's monotone chain), counter-clockwise in image coordinates.
    static func convexHull(_ points: [(Double, Double)]) -> [(Double, Double)] {
        let sorted = points.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        guard sorted.count > 2 else { return sorted }
        func cross(_ o: (Double, Double), _ a: (Double, Double), _ b: (Double, Double)) -> Double {
            (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
        }
        var lower: [(Double, Double)] = [], upper: [(Double, Double)] = []
        for q in sorted {
            while lower.count >= 2 && cross(lower[lower.count - 2], lower[lower.count - 1], q) <= 0 { lower.removeLast() }
            lower.append(q)
        }
        for q in sorted.reversed() {
            while upper.count >= 2 && cross(upper[upper.count - 2], upper[upper.count - 1], q) <= 0 { upper.removeLast() }
            upper.append(q)
        }
        return Array(lower.dropLast() + upper.dropLast())
    }

    /// Sets every pixel whose centre lies inside the polygon (even–odd rule).
    static func fill(_ polygon: [(Double, Double)], value: Float, into mask: inout [Float], width: Int, height: Int) {
        guard polygon.count >= 3 else { return }
        for y in 0..<height {
            let cy = Double(y) + 0.5
            var crossings: [Double] = []
            for i in polygon.indices {
                let a = polygon[i], b = polygon[(i + 1) % polygon.count]
                if (a.1 <= cy) != (b.1 <= cy) { crossings.append(a.0 + (cy - a.1) / (b.1 - a.1) * (b.0 - a.0)) }
            }
            crossings.sort()
            for k in stride(from: 0, to: crossings.count - 1, by: 2) {
                let x0 = max(0, Int((crossings[k] - 0.5).rounded(.up))), x1 = min(width - 1, Int((crossings[k + 1] - 0.5).rounded(.down)))
                if x0 <= x1 { for x in x0...x1 { mask[y * width + x] = value } }
            }
        }
    }

    /// Two box blurs (the mask's feather), computed only around the mask's nonzero pixels: beyond
    /// their box grown by the blurs' reach every value stays 0, and at 1080p the face is a small
    /// part of the frame. Equals `boxBlur(boxBlur(mask))` up to float rounding (tested).
    public static func featherBlur(_ mask: [Float], radius r: Int, width: Int, height: Int) -> [Float] {
        var x0 = width, x1 = -1, y0 = height, y1 = -1
        for y in 0..<height {
            let row = y * width
            guard let first = (0..<width).first(where: { mask[row + $0] != 0 }) else { continue }
            let last = (0..<width).last { mask[row + $0] != 0 }!
            (x0, x1, y0, y1) = (min(x0, first), max(x1, last), min(y0, y), y)
        }
        guard x1 >= 0 else { return mask }
        // Two blurs spread a value 2r; a window edge 3r + 1 away sees only zeros in its own reach,
        // so edge replication there changes nothing.
        let reach = 3 * r + 1
        let left = max(0, x0 - reach), right = min(width, x1 + reach + 1)
        let top = max(0, y0 - reach), bottom = min(height, y1 + reach + 1)
        let w = right - left, h = bottom - top
        var window = [Float](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { window[y * w + x] = mask[(top + y) * width + left + x] } }
        window = boxBlur(boxBlur(window, radius: r, width: w, height: h), radius: r, width: w, height: h)
        var out = [Float](repeating: 0, count: width * height)
        for y in 0..<h { for x in 0..<w { out[(top + y) * width + left + x] = window[y * w + x] } }
        return out
    }

    /// Separable box blur of radius r (border replicated).
    public static func boxBlur(_ mask: [Float], radius r: Int, width: Int, height: Int) -> [Float] {
        func pass(_ src: [Float], step: Int, lanes: Int, laneStride: Int, length: Int) -> [Float] {
            var out = src
            let scale = 1 / Float(2 * r + 1)
            for lane in 0..<lanes {
                let base = lane * laneStride
                var sum: Float = 0
                for j in -r...r { sum += src[base + min(max(j, 0), length - 1) * step] }
                for i in 0..<length {
                    out[base + i * step] = sum * scale
                    sum += src[base + min(i + r + 1, length - 1) * step] - src[base + max(i - r, 0) * step]
                }
            }
            return out
        }
        let rows = pass(mask, step: 1, lanes: height, laneStride: width, length: width)
        return pass(rows, step: width, lanes: width, laneStride: 1, length: height)
    }
}

/// Temporal smoothing of landmarks (a jittering mask or crop becomes flicker): an exponential
/// moving average per point, reset when the face jumps further than `resetDistance` pixels.
public struct LandmarkSmoother: Sendable {
    public var alpha: Double
    public var resetDistance: Double
    private var state: [(Double, Double)]?

    public init(alpha: Double = 0.5, resetDistance: Double = 40) {
        precondition(alpha > 0 && alpha <= 1, "alpha must be in (0, 1]")
        self.alpha = alpha
        self.resetDistance = resetDistance
    }

    public mutating func smooth(_ points: [Landmark]) -> [Landmark] {
        let current = points.map { (Double($0.x), Double($0.y)) }
        if let previous = state, previous.count == current.count {
            let jump = zip(previous, current).map { hypot($0.0 - $1.0, $0.1 - $1.1) }.reduce(0, +) / Double(current.count)
            if jump <= resetDistance {
                state = zip(previous, current).map { ($0.0 + alpha * ($1.0 - $0.0), $0.1 + alpha * ($1.1 - $0.1)) }
            } else {
                state = current
            }
        } else {
            state = current
        }
        return state!.map { Landmark(x: Int($0.0.rounded()), y: Int($0.1.rounded())) }
    }
}
