import Foundation
import Tensor

/// Where the face is and what it is doing in one frame. Face coordinates (u, v) put the face
/// ellipse at u² + v² = 1, u to the right, v down, after undoing rotation and scale.
public struct FacePose: Codable, Equatable, Sendable {
    public var centerX: Double
    public var centerY: Double
    /// Radians, clockwise on screen.
    public var angle: Double
    public var radiusX: Double
    public var radiusY: Double
    /// 0 shut … 1 wide open.
    public var mouthOpening: Double
    public var gazeX: Double
    public var gazeY: Double

    /// (u, v) of a pixel centre.
    @inline(__always)
    func faceCoordinates(_ x: Double, _ y: Double) -> (u: Double, v: Double) {
        let dx = x - centerX, dy = y - centerY
        let c = cos(angle), s = sin(angle)
        return ((c * dx + s * dy) / radiusX, (-s * dx + c * dy) / radiusY)
    }

    /// Pixel box [x0, y0, x1, y1) covering a face-coordinate rectangle, grown by `margin` pixels.
    func pixelBox(u: ClosedRange<Double>, v: ClosedRange<Double>, margin: Double, width: Int, height: Int) -> [Int] {
        let c = cos(angle), s = sin(angle)
        var xs: [Double] = [], ys: [Double] = []
        for cu in [u.lowerBound, u.upperBound] {
            for cv in [v.lowerBound, v.upperBound] {
                let px = cu * radiusX, py = cv * radiusY
                xs.append(centerX + c * px - s * py)
                ys.append(centerY + s * px + c * py)
            }
        }
        let x0 = max(0, Int((xs.min()! - margin).rounded(.down)))
        let y0 = max(0, Int((ys.min()! - margin).rounded(.down)))
        let x1 = min(width, Int((xs.max()! + margin).rounded(.up)) + 1)
        let y1 = min(height, Int((ys.max()! + margin).rounded(.up)) + 1)
        return [x0, y0, max(x0, x1), max(y0, y1)]
    }
}

extension FacePose {
    /// Pixel position of face coordinates (u, v).
    func pixel(_ u: Double, _ v: Double) -> SIMD2<Double> {
        let c = cos(angle), s = sin(angle), px = u * radiusX, py = v * radiusY
        return SIMD2(centerX + c * px - s * py, centerY + s * px + c * py)
    }

    /// The drawn face's 68 landmarks in iBUG order (jaw, brows, nose, eyes, lips), placed on its
    /// layout: the ground truth a landmark tracker would ideally report.
    public func landmarks68() -> [SIMD2<Double>] {
        var uv: [(Double, Double)] = []
        for k in 0...16 { let t = Double.pi * (1 - Double(k) / 16); uv.append((cos(t), 0.05 + 0.95 * sin(t))) }
        // Brows left to right: outer → inner on the image-left one, inner → outer on the other.
        let brow = [-0.58, -0.48, -0.38, -0.28, -0.18]
        for u in brow + brow.reversed().map({ -$0 }) { uv.append((u, Layout.browV - 0.04 * cos((abs(u) - 0.38) * 4))) }
        for k in 0..<4 { uv.append((0, -0.2 + 0.12 * Double(k))) }
        for k in 0..<5 { uv.append((-0.14 + 0.07 * Double(k), 0.2 + 0.03 * (1 - abs(Double(k) - 2) / 2))) }
        for side in [-1.0, 1.0] {
            let c = side * Layout.eyeU, ru = Layout.eyeRU, rv = Layout.eyeRV
            // Left corner first (the outer one of the image-left eye, the inner one of the other), clockwise.
            let corners = (c - ru, c + ru)
            uv += [(corners.0, Layout.eyeV), (corners.0 + 2 * ru / 3, Layout.eyeV - rv), (corners.1 - 2 * ru / 3, Layout.eyeV - rv),
                   (corners.1, Layout.eyeV), (corners.1 - 2 * ru / 3, Layout.eyeV + rv), (corners.0 + 2 * ru / 3, Layout.eyeV + rv)]
        }
        func ellipse(_ ru: Double, _ rv: Double, _ angles: [Double]) -> [(Double, Double)] {
            angles.map { (ru * cos($0), Layout.mouthV + rv * sin($0)) }
        }
        let outerU = Layout.mouthRU + Layout.lipMargin, outerV = Layout.mouthRV(mouthOpening) + Layout.lipMargin
        uv += ellipse(outerU, outerV, (0..<12).map { Double.pi + Double($0) * Double.pi / 6 })
        uv += ellipse(Layout.mouthRU, Layout.mouthRV(mouthOpening), (0..<8).map { Double.pi + Double($0) * Double.pi / 4 })
        return uv.map { pixel($0.0, $0.1) }
    }
}

/// Smooth, seeded motion of the face and the background.
struct Motion {
    private let phases: [Double]
    private let rates: [Double]
    let width: Int
    let height: Int
    let fps: Double

    init(seed: UInt64, width: Int, height: Int, fps: Double) {
        var rng = SplitMix64(seed: seed, stream: 1)
        phases = (0..<8).map { _ in rng.uniform() * 2 * .pi }
        // Cycles per second: slow head motion, faster mouth (speech-like).
        rates = [rng.uniform(0.25...0.45), rng.uniform(0.2...0.4), rng.uniform(0.2...0.5), rng.uniform(0.15...0.35),
                 rng.uniform(1.2...2.0), rng.uniform(0.3...0.6), rng.uniform(0.3...0.6), rng.uniform(0.5...1.0)]
        self.width = width
        self.height = height
        self.fps = fps
    }

    private func wave(_ i: Int, _ t: Double) -> Double { sin(2 * .pi * rates[i] * t + phases[i]) }

    func pose(frame: Int) -> FacePose {
        let t = Double(frame) / fps
        let side = Double(min(width, height))
        let scale = 1 + 0.08 * wave(3, t)
        return FacePose(
            centerX: Double(width) / 2 + 0.10 * Double(width) * wave(0, t),
            centerY: Double(height) / 2 + 0.06 * Double(height) * wave(1, t),
            angle: 0.15 * wave(2, t),
            radiusX: 0.21 * side * scale,
            radiusY: 0.28 * side * scale,
            mouthOpening: 0.5 + 0.5 * wave(4, t),
            gazeX: wave(5, t), gazeY: 0.5 * wave(6, t))
    }

    /// Background scroll in pixels (drifting, slightly wavering).
    func backgroundOffset(frame: Int) -> (x: Double, y: Double) {
        let t = Double(frame) / fps
        let side = Double(min(width, height))
        return (0.04 * side * t + 0.02 * side * wave(7, t), 0.015 * side * t)
    }
}

/// One person's look: the target's own face, or the source identity the swap brings in.
struct Identity {
    let skin: SIMD3<Double>
    let lip: SIMD3<Double>
    let iris: SIMD3<Double>
    let brow: SIMD3<Double>
    let detailAmplitude: Double
    let texture: NoiseTexture
    let detail: NoiseTexture

    /// `texels` is the texture's side; about one texel per rendered pixel keeps the finest
    /// octave at a few pixels, so the face does not alias (and shimmer) as it moves.
    /// `skin` overrides the drawn skin tone (a swap that keeps the target's); the other draws stay the same.
    init(seed: UInt64, stream: UInt64, texels: Int, skin override: SIMD3<Double>? = nil) {
        var rng = SplitMix64(seed: seed, stream: stream)
        let tone = rng.uniform(0.45...0.95)
        let drawn = SIMD3(tone, tone * rng.uniform(0.68...0.82), tone * rng.uniform(0.52...0.7))
        skin = override ?? drawn
        lip = SIMD3(rng.uniform(0.55...0.8), rng.uniform(0.2...0.35), rng.uniform(0.25...0.4))
        iris = SIMD3(rng.uniform(0.1...0.5), rng.uniform(0.15...0.45), rng.uniform(0.1...0.6))
        brow = skin * rng.uniform(0.25...0.45)
        detailAmplitude = rng.uniform(0.05...0.12)
        texture = NoiseTexture(size: texels, seed: rng.next(), cells: 16, octaves: 3)
        detail = NoiseTexture(size: texels, seed: rng.next(), cells: 6, octaves: 2)
    }
}

/// Facial expression knobs that faults tamper with.
struct Expression {
    var mouthOpening: Double
    var gazeX: Double
    var gazeY: Double
    /// Eye displacement in face coordinates.
    var eyeDU = 0.0
    var eyeDV = 0.0
}

/// Face layout in face coordinates.
enum Layout {
    static let eyeU = 0.38, eyeV = -0.18, eyeRU = 0.17, eyeRV = 0.085
    static let browV = -0.40, browRU = 0.2, browRV = 0.045
    static let mouthV = 0.45, mouthRU = 0.32
    static func mouthRV(_ opening: Double) -> Double { 0.02 + 0.13 * opening }
    static let lipMargin = 0.06
    /// Boxes (u range, v range) that the eyes and mouth can touch, for the manifest.
    static let eyesBox = (u: -0.62...0.62, v: -0.36...(-0.0))
    static let mouthBox = (u: -0.45...0.45, v: 0.3...0.72)
}

/// Colour of a face at face coordinates (u, v) for an identity and expression.
func faceColour(_ u: Double, _ v: Double, identity id: Identity, expression e: Expression) -> SIMD3<Double> {
    let tu = (u + 1.2) / 2.4, tv = (v + 1.2) / 2.4
    let scale = Double(id.texture.size - 1)
    let grain = Double(id.texture.sample(tu * scale, tv * scale))
    let fine = Double(id.detail.sample(tu * scale, tv * scale)) - 0.5
    let r2 = u * u + v * v
    let shade = (1 - 0.22 * r2) * (1 + 0.08 * u)
    var colour = id.skin * (0.8 + 0.4 * grain) * shade + SIMD3(repeating: id.detailAmplitude * fine)

    // Brows.
    for side in [-1.0, 1.0] {
        let d = sq((u - side * Layout.eyeU) / Layout.browRU) + sq((v - Layout.browV) / Layout.browRV)
        colour = blend(colour, id.brow, 1 - smoothstep(0.8, 1.2, d))
    }
    // Eyes: sclera, iris following the gaze, pupil.
    for side in [-1.0, 1.0] {
        let cu = side * Layout.eyeU + e.eyeDU, cv = Layout.eyeV + e.eyeDV
        let d = sq((u - cu) / Layout.eyeRU) + sq((v - cv) / Layout.eyeRV)
        guard d < 1.3 else { continue }
        let iu = cu + 0.07 * e.gazeX, iv = cv + 0.025 * e.gazeY
        let di = sq((u - iu) / 0.065) + sq((v - iv) / 0.06)
        var eye = blend(SIMD3(0.93, 0.92, 0.9), id.iris, 1 - smoothstep(0.7, 1.0, di))
        eye = blend(eye, SIMD3(0.03, 0.03, 0.04), 1 - smoothstep(0.12, 0.25, di))
        colour = blend(colour, eye, 1 - smoothstep(0.85, 1.15, d))
    }
    // Mouth: lips, then the dark inside.
    let rv = Layout.mouthRV(e.mouthOpening)
    let dl = sq(u / (Layout.mouthRU + Layout.lipMargin)) + sq((v - Layout.mouthV) / (rv + Layout.lipMargin))
    if dl < 1.3 {
        colour = blend(colour, id.lip, 1 - smoothstep(0.85, 1.15, dl))
        let di = sq(u / Layout.mouthRU) + sq((v - Layout.mouthV) / rv)
        colour = blend(colour, SIMD3(0.22, 0.04, 0.06), 1 - smoothstep(0.8, 1.1, di))
    }
    return colour
}

@inline(__always) func sq(_ x: Double) -> Double { x * x }

@inline(__always)
func blend(_ a: SIMD3<Double>, _ b: SIMD3<Double>, _ t: Double) -> SIMD3<Double> { a + (b - a) * t }
