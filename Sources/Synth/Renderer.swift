import Foundation
public import Tensor

/// Everything that fixes a synthetic clip; the same config always gives the same pixels.
public struct TestBedConfig: Codable, Equatable, Sendable {
    public var seed: UInt64
    public var frames: Int
    public var width: Int
    public var height: Int
    public var fps: Int
    public var faults: FaultStrengths
    /// The swap keeps the target's skin tone (as swappers' colour transfer does); nil: false.
    public var skinTransfer: Bool?
    /// Photos of the source identity written beside the clip (identity/); nil: none.
    public var identityPhotos: Int?
    /// The swapper blends over a footprint of its own rather than just inside the face; nil: the
    /// default footprint, which lies inside the drawn face's landmark hull.
    public var footprint: SwapFootprint?
    /// Std in pixels of per-point noise on the landmarks written to landmarks.json, as a face
    /// tracker's would be (the drawn face itself does not move); nil: exact landmarks.
    public var landmarkNoise: Double?

    public init(seed: UInt64, frames: Int = 48, width: Int = 256, height: Int = 256, fps: Int = 25,
                faults: FaultStrengths = .standard, skinTransfer: Bool = false, identityPhotos: Int = 0,
                footprint: SwapFootprint? = nil, landmarkNoise: Double = 0) {
        self.footprint = footprint
        self.landmarkNoise = landmarkNoise > 0 ? landmarkNoise : nil
        self.skinTransfer = skinTransfer ? true : nil
        self.identityPhotos = identityPhotos > 0 ? identityPhotos : nil
        self.seed = seed
        self.frames = frames
        self.width = width
        self.height = height
        self.fps = fps
        self.faults = faults
    }

    public func validate() throws {
        guard (2...100_000).contains(frames) else { throw SynthError.badConfig("frames must be in 2...100000, got \(frames)") }
        guard (32...4096).contains(width), (32...4096).contains(height) else {
            throw SynthError.badConfig("size must be within 32...4096 on each side, got \(width)x\(height)")
        }
        guard (1...240).contains(fps) else { throw SynthError.badConfig("fps must be in 1...240, got \(fps)") }
        if let footprint {
            guard (0.5...2).contains(footprint.scale), abs(footprint.dx) <= 0.5, abs(footprint.dy) <= 0.5 else {
                throw SynthError.badConfig("footprint scale must be in 0.5...2 and its offsets in -0.5...0.5 face units")
            }
        }
        guard (0...20).contains(landmarkNoise ?? 0) else { throw SynthError.badConfig("landmark noise must be in 0...20 px") }
        guard (0...100).contains(identityPhotos ?? 0) else {
            throw SynthError.badConfig("identity photos must be in 0...100, got \(identityPhotos ?? 0)")
        }
    }
}

/// Where a swapper blends its face in, in face units: the default blend ellipse scaled by `scale`
/// and moved by (dx, dy). Real swappers blend over masks of their own, larger than the face's
/// landmark hull and offset from it (`nicer synth --footprint`).
public struct SwapFootprint: Codable, Equatable, Sendable {
    public var scale: Double
    public var dx: Double
    public var dy: Double

    public init(scale: Double, dx: Double = 0, dy: Double = 0) {
        (self.scale, self.dx, self.dy) = (scale, dx, dy)
    }

    /// The blend weight at face coordinates (u, v).
    func weight(_ u: Double, _ v: Double, inner: Double, outer: Double) -> Double {
        let r = ((u - dx) * (u - dx) + (v - dy) * (v - dy)).squareRoot() / scale
        return 1 - smoothstep(inner, outer, r)
    }
}

/// What was injected into one proxy frame, and the pixel boxes each fault may have touched.
public struct FrameRecord: Codable, Equatable, Sendable {
    public struct MaskShift: Codable, Equatable, Sendable {
        public var dx: Double
        public var dy: Double
        public var radiusScale: Double
    }

    /// A fault's name and the box [x0, y0, x1, y1) (exclusive ends) it may change.
    public struct Region: Codable, Equatable, Sendable {
        public var fault: String
        public var box: [Int]
    }

    public var index: Int
    public var pose: FacePose
    /// Box of the face ellipse, [x0, y0, x1, y1).
    public var faceBox: [Int]
    public var pumpGains: [Double]?
    public var maskShift: MaskShift?
    public var mouthCollapsed: Bool
    public var eyeShift: [Double]?
    /// Outlier block as [x, y, width, height].
    public var block: [Int]?
    /// Where proxy may differ from gt in this frame; empty means proxy equals gt.
    public var regions: [Region]
}

/// One frame of the test bed in memory.
public struct RenderedFrame: Sendable {
    public var target: Image8
    public var gt: Image8
    public var proxy: Image8
    /// The swap's soft blend mask (gray), i.e. the face region.
    public var mask: Image8
    public var record: FrameRecord
}

/// Renders test-bed frames: a textured face moving over a moving background (target), the same
/// face with a consistent identity swap (gt), and gt with per-frame swapper faults (proxy).
public final class TestBedRenderer {
    public let config: TestBedConfig
    private let motion: Motion
    private let photoMotion: Motion
    private let targetIdentity: Identity
    private let sourceIdentity: Identity
    private let backgroundA: NoiseTexture
    private let backgroundB: NoiseTexture
    private let backgroundScale: Double
    private let colours: (SIMD3<Double>, SIMD3<Double>)

    /// Swap mask: the swapped face fades in between these face-coordinate radii.
    static let maskInner = 0.78, maskOuter = 0.94

    public init(config: TestBedConfig) throws {
        try config.validate()
        self.config = config
        motion = Motion(seed: config.seed, width: config.width, height: config.height, fps: Double(config.fps))
        photoMotion = Motion(seed: SplitMix64.mix(config.seed &+ 21), width: config.width, height: config.height, fps: Double(config.fps))
        // Face textures span 2.4 face units, about 2.4 · 0.21 · side pixels at scale 1.
        let faceTexels = min(512, max(32, Int(0.55 * Double(min(config.width, config.height)))))
        targetIdentity = Identity(seed: config.seed, stream: 2, texels: faceTexels)
        sourceIdentity = Identity(seed: config.seed, stream: 3, texels: faceTexels,
                                  skin: config.skinTransfer == true ? targetIdentity.skin : nil)
        let side = max(config.width, config.height)
        let textureSize = min(side, 768)
        backgroundScale = Double(textureSize) / Double(side)
        backgroundA = NoiseTexture(size: textureSize, seed: SplitMix64.mix(config.seed &+ 11), cells: Double(textureSize) / 5, octaves: 3)
        backgroundB = NoiseTexture(size: textureSize, seed: SplitMix64.mix(config.seed &+ 12),
                                   cells: max(6, Double(textureSize) / 20), octaves: 2)
        var rng = SplitMix64(seed: config.seed, stream: 4)
        colours = (SIMD3(rng.uniform(0.1...0.6), rng.uniform(0.2...0.7), rng.uniform(0.3...0.9)),
                   SIMD3(rng.uniform(0.4...0.95), rng.uniform(0.3...0.8), rng.uniform(0.1...0.5)))
    }

    public func render(frame index: Int) -> RenderedFrame {
        precondition((0..<config.frames).contains(index), "frame \(index) outside the clip")
        let w = config.width, h = config.height
        let pose = motion.pose(frame: index)
        let faults = FrameFaults.draw(seed: config.seed, frame: index, strengths: config.faults, pose: pose, width: w, height: h)
        let expression = Expression(mouthOpening: pose.mouthOpening, gazeX: pose.gazeX, gazeY: pose.gazeY)
        var faulty = expression
        if faults.mouthCollapsed { faulty.mouthOpening = 0 }
        if let shift = faults.eyeShift {
            let c = cos(pose.angle), s = sin(pose.angle)
            faulty.eyeDU = (c * shift.dx + s * shift.dy) / pose.radiusX
            faulty.eyeDV = (-s * shift.dx + c * shift.dy) / pose.radiusY
        }
        var jittered = pose
        if let shift = faults.maskShift {
            jittered.centerX += shift.dx
            jittered.centerY += shift.dy
            jittered.radiusX *= shift.radiusScale
            jittered.radiusY *= shift.radiusScale
        }
        let footprint = config.footprint ?? SwapFootprint(scale: 1)
        let gains = faults.gains.map { SIMD3($0[0], $0[1], $0[2]) } ?? SIMD3(repeating: 1)
        let offset = motion.backgroundOffset(frame: index)

        var target = Image8(width: w, height: h, channels: 3)
        var gt = target, proxy = target
        var mask = Image8(width: w, height: h, channels: 1)
        for y in 0..<h {
            for x in 0..<w {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                var t = background(px + offset.x, py + offset.y)
                let (u, v) = pose.faceCoordinates(px, py)
                let r = (u * u + v * v).squareRoot()
                var g = t, p = t, m = 0.0
                if r < 1.05 {
                    t = blend(t, faceColour(u, v, identity: targetIdentity, expression: expression), 1 - smoothstep(0.96, 1.02, r))
                    g = t
                    p = t
                }
                m = footprint.weight(u, v, inner: Self.maskInner, outer: Self.maskOuter)
                if m > 0 { g = blend(t, faceColour(u, v, identity: sourceIdentity, expression: expression), m) }
                let (ju, jv) = jittered.faceCoordinates(px, py)
                let mj = footprint.weight(ju, jv, inner: Self.maskInner, outer: Self.maskOuter)
                if mj > 0 {
                    p = blend(t, faceColour(u, v, identity: sourceIdentity, expression: faulty) * gains, mj)
                }
                let o = (y * w + x) * 3
                for c in 0..<3 {
                    target.pixels[o + c] = quantize(Float(t[c]))
                    gt.pixels[o + c] = quantize(Float(g[c]))
                    proxy.pixels[o + c] = quantize(Float(p[c]))
                }
                mask.pixels[y * w + x] = quantize(Float(m))
            }
        }
        if let block = faults.block { paintBlock(block, into: &proxy) }
        let record = makeRecord(index: index, pose: pose, jittered: jittered, faults: faults)
        return RenderedFrame(target: target, gt: gt, proxy: proxy, mask: mask, record: record)
    }

    /// Photo `k` of the source identity, as a user would supply with `--identity`: the whole face
    /// drawn with the source's look (no faults), in a pose of its own (another seeded motion, so no
    /// photo repeats a clip frame) over a plain backdrop; with its true 68 landmarks.
    public func identityPhoto(_ k: Int) -> (image: Image8, landmarks: [SIMD2<Double>]) {
        let w = config.width, h = config.height
        let pose = photoMotion.pose(frame: 19 * k + 7)
        let expression = Expression(mouthOpening: pose.mouthOpening, gazeX: pose.gazeX, gazeY: pose.gazeY)
        var image = Image8(width: w, height: h, channels: 3)
        for y in 0..<h {
            for x in 0..<w {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let backdrop = SIMD3(0.55, 0.56, 0.6) * (0.85 + 0.3 * py / Double(h))
                let (u, v) = pose.faceCoordinates(px, py)
                let r = (u * u + v * v).squareRoot()
                let colour = r < 1.05 ? blend(backdrop, faceColour(u, v, identity: sourceIdentity, expression: expression),
                                              1 - smoothstep(0.96, 1.02, r)) : backdrop
                for c in 0..<3 { image.pixels[(y * w + x) * 3 + c] = quantize(Float(colour[c])) }
            }
        }
        return (image, pose.landmarks68())
    }

    private func background(_ x: Double, _ y: Double) -> SIMD3<Double> {
        let sx = mirror(x * backgroundScale, backgroundA.size), sy = mirror(y * backgroundScale, backgroundA.size)
        let a = Double(backgroundA.sample(sx, sy)), b = Double(backgroundB.sample(sx, sy))
        return blend(colours.0, colours.1, a) * (0.7 + 0.6 * b)
    }

    private func paintBlock(_ block: (x: Int, y: Int, width: Int, height: Int, seed: UInt64), into image: inout Image8) {
        var rng = SplitMix64(seed: block.seed)
        let base = (0..<3).map { _ in rng.uniform() }
        for y in block.y..<(block.y + block.height) {
            for x in block.x..<(block.x + block.width) {
                for c in 0..<3 {
                    let noise = 0.25 * (rng.uniform() - 0.5)
                    image[x: x, y: y, c: c] = quantize(Float(base[c] + noise))
                }
            }
        }
    }

    private func makeRecord(index: Int, pose: FacePose, jittered: FacePose, faults: FrameFaults) -> FrameRecord {
        let w = config.width, h = config.height
        let unit = -1.0...1.0
        let faceBox = pose.pixelBox(u: unit, v: unit, margin: 1, width: w, height: h)
        // The swap's own footprint may reach past the face.
        let f = config.footprint ?? SwapFootprint(scale: 1)
        let reach = max(1, f.scale + max(abs(f.dx), abs(f.dy)))
        let swapBox = union(faceBox, jittered.pixelBox(u: -reach...reach, v: -reach...reach, margin: 1, width: w, height: h))
        var regions: [FrameRecord.Region] = []
        if faults.gains != nil { regions.append(.init(fault: "pump", box: swapBox)) }
        if faults.maskShift != nil { regions.append(.init(fault: "jitter", box: swapBox)) }
        if faults.mouthCollapsed {
            regions.append(.init(fault: "mouth", box: pose.pixelBox(u: Layout.mouthBox.u, v: Layout.mouthBox.v,
                                                                   margin: 1, width: w, height: h)))
        }
        if let shift = faults.eyeShift {
            let margin = abs(shift.dx) + abs(shift.dy) + 1
            regions.append(.init(fault: "eyes", box: pose.pixelBox(u: Layout.eyesBox.u, v: Layout.eyesBox.v,
                                                                  margin: margin, width: w, height: h)))
        }
        if let b = faults.block {
            regions.append(.init(fault: "blocks", box: [b.x, b.y, b.x + b.width, b.y + b.height]))
        }
        return FrameRecord(
            index: index, pose: pose, faceBox: faceBox,
            pumpGains: faults.gains,
            maskShift: faults.maskShift.map { .init(dx: $0.dx, dy: $0.dy, radiusScale: $0.radiusScale) },
            mouthCollapsed: faults.mouthCollapsed,
            eyeShift: faults.eyeShift.map { [$0.dx, $0.dy] },
            block: faults.block.map { [$0.x, $0.y, $0.width, $0.height] },
            regions: regions)
    }
}

/// Reflects a coordinate into [0, size − 1] so textures extend without seams.
private func mirror(_ x: Double, _ size: Int) -> Double {
    let period = 2 * Double(size - 1)
    var m = x.truncatingRemainder(dividingBy: period)
    if m < 0 { m += period }
    return m <= Double(size - 1) ? m : period - m
}

private func union(_ a: [Int], _ b: [Int]) -> [Int] {
    [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
}
