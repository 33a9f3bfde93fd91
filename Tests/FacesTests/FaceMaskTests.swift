import Faces
import Foundation
import Media
import Tensor
import TestSupport
import XCTest

final class FaceMaskTests: XCTestCase {
    /// dlib's 68 points on the astronaut fixture.
    func astronaut() throws -> (image: Image8, points: [Landmark]) {
        let golden = try JSONDecoder().decode(LandmarkGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/landmarks.json"))))
        let c = golden.cases[0]
        return (try PNG.read(fixturePath("faces/" + c.image)).image8, c.points.map { Landmark(x: $0[0], y: $0[1]) })
    }

    func value(_ mask: Image8, _ p: Landmark) -> UInt8 { mask.pixels[p.y * mask.width + p.x] }

    func testFaceMaskCoversTheFaceAndForeheadAndCutsOutWhatIsAsked() throws {
        let (image, points) = try astronaut()
        var hard = FaceMaskOptions()
        hard.feather = 0
        let mask = FaceMask.render(points, width: image.width, height: image.height, options: hard)
        XCTAssertEqual(value(mask, points[30]), 255, "nose tip inside")
        XCTAssertEqual(value(mask, Landmark(x: 2, y: 2)), 0, "image corner outside")
        let brow = points[19], chin = points[8]
        let above = Landmark(x: brow.x, y: brow.y - Int(0.3 * Double(chin.y - points[27].y)))
        XCTAssertEqual(value(mask, above), 255, "forehead band above the brow")
        hard.forehead = 0
        XCTAssertEqual(value(FaceMask.render(points, width: image.width, height: image.height, options: hard), above), 0)

        var noMouth = FaceMaskOptions()
        noMouth.feather = 0
        noMouth.exclude = [.mouth, .eyes]
        let cut = FaceMask.render(points, width: image.width, height: image.height, options: noMouth)
        let mouthCentre = Landmark(x: (points[48].x + points[54].x) / 2, y: (points[51].y + points[57].y) / 2)
        let eyeCentre = Landmark(x: (points[36].x + points[39].x) / 2, y: (points[37].y + points[41].y) / 2)
        XCTAssertEqual(value(cut, mouthCentre), 0)
        XCTAssertEqual(value(cut, eyeCentre), 0)
        XCTAssertEqual(value(cut, points[30]), 255)

        var eyesOnly = FaceMaskOptions()
        eyesOnly.feather = 0
        eyesOnly.isolate = [.eyes]
        let eyes = FaceMask.render(points, width: image.width, height: image.height, options: eyesOnly)
        XCTAssertEqual(value(eyes, eyeCentre), 255)
        XCTAssertEqual(value(eyes, points[30]), 0)
    }

    func testFeatheringMakesTheEdgeSoftButKeepsTheInside() throws {
        let (image, points) = try astronaut()
        let soft = FaceMask.render(points, width: image.width, height: image.height)
        XCTAssertEqual(value(soft, points[30]), 255)
        let jawEdge = points[8]
        let v = value(soft, jawEdge)
        XCTAssertTrue(v > 0 && v < 255, "edge value \(v) should be in between")
    }

    /// The feather computed around the face equals the two full-frame blurs it replaces, for a face
    /// in the middle, one cut by the frame's corner (edge replication there), and no face at all.
    func testFeatherBlurAroundTheFaceEqualsBlurringTheWholeFrame() {
        let width = 97, height = 61, radius = 4
        func blob(_ cx: Double, _ cy: Double) -> [Float] {
            (0..<(width * height)).map { i in
                let dx = Double(i % width) - cx, dy = Double(i / width) - cy
                return dx * dx / 100 + dy * dy / 49 < 1 ? (i % 7 == 0 ? 0.5 : 1) : 0
            }
        }
        for mask in [blob(48, 30), blob(3, 58), blob(96, 0), [Float](repeating: 0, count: width * height)] {
            let naive = FaceMask.boxBlur(FaceMask.boxBlur(mask, radius: radius, width: width, height: height), radius: radius,
                                         width: width, height: height)
            let windowed = FaceMask.featherBlur(mask, radius: radius, width: width, height: height)
            let worst = zip(naive, windowed).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-5)
            XCTAssertEqual(naive.filter { $0 > 0.001 }.count, windowed.filter { $0 > 0.001 }.count)
        }
    }

    func testSmootherFollowsSteadyMotionAndResetsOnJumps() {
        var smoother = LandmarkSmoother(alpha: 0.5, resetDistance: 20)
        let a = [Landmark(x: 0, y: 0), Landmark(x: 10, y: 0)]
        XCTAssertEqual(smoother.smooth(a), a)
        XCTAssertEqual(smoother.smooth(a.map { Landmark(x: $0.x + 4, y: $0.y) }), a.map { Landmark(x: $0.x + 2, y: $0.y) })
        let far = a.map { Landmark(x: $0.x + 100, y: $0.y) }
        XCTAssertEqual(smoother.smooth(far), far, "a cut or a new face is not smoothed into")
    }

    func testMetricsOnKnownShapes() throws {
        let (_, points) = try astronaut()
        XCTAssertGreaterThan(FaceMetrics.eyeOpening(points), 0.1)
        XCTAssertLessThan(FaceMetrics.eyeOpening(points), 0.6)
        XCTAssertGreaterThan(FaceMetrics.interocular(points), 20)
        // Shut the mouth: inner lips 61–63 onto 67–65.
        var shut = points
        for (top, bottom) in [(61, 67), (62, 66), (63, 65)] { shut[top] = shut[bottom] }
        XCTAssertEqual(FaceMetrics.mouthOpening(shut), 0)
        let moving = (0..<6).map { t in points.map { Landmark(x: $0.x + 3 * t, y: $0.y + t) } }
        XCTAssertEqual(FaceMetrics.jitter(moving), 0, "steady motion is not jitter")
        let shaking = (0..<6).map { t in points.map { Landmark(x: $0.x + (t % 2 == 0 ? 2 : -2), y: $0.y) } }
        XCTAssertGreaterThan(FaceMetrics.jitter(shaking), 0.05)
        let consistency = FaceMetrics.openingConsistency(output: [shut, points], target: [points, points])
        XCTAssertEqual(consistency.mouth, FaceMetrics.mouthOpening(points) / 2, accuracy: 1e-12)
        XCTAssertEqual(consistency.eyes, 0)
    }
}
