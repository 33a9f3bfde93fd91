import Face3D
import Foundation
import TestSupport
import XCTest

/// The built-in landmark prior's geometry (triangulation, pose) and the albedo/detail losses'
/// exact gradients.
final class LandmarkPriorTests: XCTestCase {
    /// A real 68-point face (dlib's landmarks on the astronaut fixture), in pixels.
    static func face() throws -> [SIMD2<Double>] {
        struct File: Decodable { struct Case: Decodable { var points: [[Double]] }; var cases: [Case] }
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/landmarks.json")))
        return try JSONDecoder().decode(File.self, from: data).cases[0].points.map { SIMD2($0[0], $0[1]) }
    }

    func testTriangulationTilesTheHull() throws {
        let face = try Self.face()
        let prior = LandmarkPrior(meanShape: face, tracks: [])
        func area(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ c: SIMD2<Double>) -> Double {
            abs((b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)) / 2
        }
        let total = prior.triangles.map { area(face[Int($0.x)], face[Int($0.y)], face[Int($0.z)]) }.reduce(0, +)
        // Convex hull by the monotone chain, points on its edges kept (they bound triangles too).
        let sorted = face.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
        func half(_ points: [SIMD2<Double>]) -> [SIMD2<Double>] {
            var h: [SIMD2<Double>] = []
            for p in points {
                while h.count >= 2, (h[h.count - 1].x - h[h.count - 2].x) * (p.y - h[h.count - 2].y) - (h[h.count - 1].y - h[h.count - 2].y) * (p.x - h[h.count - 2].x) < 0 { h.removeLast() }
                h.append(p)
            }
            return h
        }
        let hull = Array(half(sorted).dropLast()) + Array(half(sorted.reversed()).dropLast())
        let hullArea = (1..<(hull.count - 1)).map { area(hull[0], hull[$0], hull[$0 + 1]) }.reduce(0, +)
        XCTAssertEqual(total, hullArea, accuracy: hullArea * 1e-9)
        XCTAssertEqual(prior.triangles.count, 2 * 68 - 2 - hull.count)
        XCTAssertTrue(prior.skin.contains(false), "eyes and inner mouth are not skin")
    }

    func testPoseRecoversAKnownRotation() throws {
        let prior = LandmarkPrior(meanShape: try Self.face(), tracks: [])
        let truth = Matrix3.rotation(axisAngle: SIMD3(0.15, -0.4, 0.08))
        let landmarks = prior.shape.map { p -> SIMD2<Double> in let q = truth * p; return 1.7 * SIMD2(q.x, q.y) + SIMD2(30, -12) }
        let (rotation, scale, translation) = prior.pose(landmarks)
        XCTAssertEqual(scale, 1.7, accuracy: 1e-9)
        for (a, b) in zip(rotation.elements, truth.elements) { XCTAssertEqual(a, b, accuracy: 1e-9) }
        XCTAssertEqual(translation.x, 30, accuracy: 1e-6)
    }

    /// A lit face crop: smooth shading, a skin colour, a little texture.
    static func crop(_ size: Int, tint: SIMD3<Double>, seed: UInt64) -> [Float] {
        var random = TestRandom(seed: seed)
        var rgb = [Float](repeating: 0, count: 3 * size * size)
        for y in 0..<size {
            for x in 0..<size {
                let shade = 0.6 + 0.3 * Double(x) / Double(size)
                for c in 0..<3 { rgb[c * size * size + y * size + x] = Float(shade * tint[c]) + 0.03 * random.next() }
            }
        }
        return rgb
    }

    func makeLosses(size: Int, weights: (Double, Double, Double) = (1, 0.5, 0.5), basis: AlbedoBasis? = nil, toneRadius: Int = 4) throws -> (TextureLosses, FaceSurface) {
        let face = try Self.face()
        let prior = LandmarkPrior(meanShape: face, tracks: [face])
        // The face fills the crop: landmarks into 0…1.
        let lo = face.reduce(SIMD2(Double.infinity, .infinity)) { pointwiseMin($0, $1) } - 12
        let side = face.map { max($0.x, $0.y) }.max()! + 12 - min(lo.x, lo.y)
        let surface = prior.surface(face.map { $0 - SIMD2(min(lo.x, lo.y), min(lo.x, lo.y)) }, extent: side)
        var settings = TextureLosses.Settings()
        settings.textureSize = 24
        settings.albedoToneRadius = toneRadius
        (settings.albedoWeight, settings.detailWeight, settings.shapeWeight) = weights
        let losses = TextureLosses(surfaces: [surface], settings: settings, albedoBasis: basis) { _, n in Self.crop(n, tint: SIMD3(0.8, 0.6, 0.5), seed: 1) }
        losses.setDetailReference([(surface, Self.crop(size, tint: SIMD3(0.7, 0.55, 0.5), seed: 2), size)])
        losses.setShapeReference([(surface, Self.crop(size, tint: SIMD3(0.7, 0.55, 0.5), seed: 2), size)])
        return (losses, surface)
    }

    func testLossesSeeTheSkinTone() throws {
        let n = 40
        let (losses, _) = try makeLosses(size: n)
        var scratch = [Double](repeating: 0, count: 3 * n * n)
        let same = losses.evaluate(rgb: Self.crop(n, tint: SIMD3(0.8, 0.6, 0.5), seed: 1).map(Double.init), size: n, frame: 0, gradient: &scratch)
        let tinted = losses.evaluate(rgb: Self.crop(n, tint: SIMD3(0.6, 0.6, 0.7), seed: 1).map(Double.init), size: n, frame: 0, gradient: &scratch)
        XCTAssertLessThan(same.albedo, 1e-12)
        XCTAssertGreaterThan(tinted.albedo, 1e-3)
        XCTAssertGreaterThan(same.detail, 0, "the target's noise is not the reference's")
    }

    /// The albedo term compares tone, not features: fine stripes on the output barely count
    /// through the tone box while a tint counts nearly in full; texel by texel both count.
    func testAlbedoTermComparesToneNotFeatures() throws {
        let n = 40
        let target = Self.crop(n, tint: SIMD3(0.8, 0.6, 0.5), seed: 1).map(Double.init)
        let tinted = Self.crop(n, tint: SIMD3(0.7, 0.6, 0.6), seed: 1).map(Double.init)
        let striped = target.indices.map { i in target[i] + 0.15 * sin(2 * Double.pi * Double(i % n) / 6) }
        func albedoLoss(_ rgb: [Double], radius: Int) throws -> Double {
            let (losses, _) = try makeLosses(size: n, weights: (1, 0, 0), toneRadius: radius)
            var scratch = [Double](repeating: 0, count: rgb.count)
            return losses.evaluate(rgb: rgb, size: n, frame: 0, gradient: &scratch).albedo
        }
        let stripes = (texel: try albedoLoss(striped, radius: 0), tone: try albedoLoss(striped, radius: 4))
        let tint = (texel: try albedoLoss(tinted, radius: 0), tone: try albedoLoss(tinted, radius: 4))
        XCTAssertGreaterThan(stripes.texel, 1e-4, "texel by texel the stripes count")
        XCTAssertLessThan(stripes.tone, 0.1 * stripes.texel)
        XCTAssertGreaterThan(tint.tone, 0.5 * tint.texel)
        // The whole map's mean tone (the default): the stripes average out, the tint stays.
        let mean = (stripes: try albedoLoss(striped, radius: 23), tint: try albedoLoss(tinted, radius: 23))
        XCTAssertLessThan(mean.stripes, 0.1 * stripes.texel)
        XCTAssertGreaterThan(mean.tint, 0.5 * tint.texel)
    }

    /// The albedo, detail and shape losses, each alone, against central differences in Double
    /// along random directions.
    func testGradientMatchesFiniteDifferences() throws {
        let n = 32
        // A smooth random albedo space on the 24² grid (the FLAME-space path of the albedo term).
        var random = TestRandom(seed: 4)
        let grid: [SIMD2<Double>] = (0..<(24 * 24)).map { i -> SIMD2<Double> in
            let x = Double(i % 24) / 23, y = Double(i / 24) / 23
            return SIMD2(x, y)
        }
        func randomColour() -> SIMD3<Double> {
            let r = Double(random.next()), g = Double(random.next()), b = Double(random.next())
            return SIMD3(r, g, b) * 0.1
        }
        let mean: [SIMD3<Double>] = grid.map { p -> SIMD3<Double> in SIMD3(0.6 + 0.1 * p.x, 0.5, 0.45 + 0.05 * p.y) }
        var components: [[SIMD3<Double>]] = []
        for _ in 0..<5 {
            let a = randomColour(), b = randomColour()
            components.append(grid.map { p -> SIMD3<Double> in
                let along: SIMD3<Double> = a * p.x
                return along + b * (p.y * p.y)
            })
        }
        let basis = AlbedoBasis(textureSize: 24, mean: mean, basis: components)
        let cases: [(String, (Double, Double, Double), AlbedoBasis?, Int)] = [
            ("albedo tone", (1.0, 0.0, 0.0), nil, 4), ("albedo per texel", (1.0, 0.0, 0.0), nil, 0),
            ("albedo mean tone", (1.0, 0.0, 0.0), nil, 23),
            ("albedo basis", (1.0, 0.0, 0.0), basis, 4), ("detail", (0.0, 0.5, 0.0), nil, 4), ("shape", (0.0, 0.0, 0.5), nil, 4)]
        for (name, weights, space, radius) in cases {
            let (losses, _) = try makeLosses(size: n, weights: weights, basis: space, toneRadius: radius)
            let x = Self.crop(n, tint: SIMD3(0.7, 0.62, 0.55), seed: 5).map(Double.init)
            var g = [Double](repeating: 0, count: x.count)
            let base = losses.evaluate(rgb: x, size: n, frame: 0, gradient: &g)
            XCTAssertGreaterThan(base.albedo + base.detail + base.shape, 0, name)
            var random = TestRandom(seed: 9)
            var scratch = g
            func value(_ v: [Double]) -> Double { let r = losses.evaluate(rgb: v, size: n, frame: 0, gradient: &scratch); return r.albedo + r.detail + r.shape }
            for _ in 0..<3 {
                let direction = (0..<x.count).map { _ in Double(random.next()) }
                let h = 1e-5
                let numeric = (value(zip(x, direction).map { $0 + h * $1 }) - value(zip(x, direction).map { $0 - h * $1 })) / (2 * h)
                let analytic = zip(g, direction).map(*).reduce(0, +)
                let tolerance = 1e-4 * abs(numeric) + 1e-12
                XCTAssertEqual(analytic, numeric, accuracy: tolerance, "\(name): directional derivative")
                // The check can fail: a gradient 1 % off would not pass it.
                XCTAssertGreaterThan(abs(1.01 * analytic - numeric), tolerance, name)
            }
        }
    }
}
