import Faces
import Foundation
import Media
import Tensor
import TestSupport
import XCTest

/// DeepfakeBench's crops by its own recipe (scikit-image's similarity, cv2.warpAffine) on the
/// astronaut photos: tools/golden/deepfakebench_golden.py.
final class AlignedFaceCropTests: XCTestCase {
    struct Golden: Decodable {
        struct Crop: Decodable { let image: String; let crop: String; let matrix: [[Double]] }
        let size: Int
        let scale: Double
        let crops: [Crop]
    }

    func testCropsMatchDeepfakeBenchsPreprocessing() throws {
        let golden = try JSONDecoder().decode(Golden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/deepfakebench.json"))))
        let landmarks = try JSONDecoder().decode(LandmarkGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/landmarks.json"))))
        XCTAssertEqual(golden.crops.count, 4)
        for expected in golden.crops {
            let points = try XCTUnwrap(landmarks.cases.first { $0.image == expected.image }).points.map { Landmark(x: $0[0], y: $0[1]) }
            let crop = AlignedFaceCrop(landmarks: points, size: golden.size, scale: golden.scale)
            let m = expected.matrix
            for (ours, theirs) in [(crop.a, m[0][0]), (-crop.b, m[0][1]), (crop.tx, m[0][2]), (crop.b, m[1][0]), (crop.a, m[1][1]), (crop.ty, m[1][2])] {
                XCTAssertEqual(ours, theirs, accuracy: 1e-6 * max(1, abs(theirs)), expected.image)
            }
            let image = try PNG.read(fixturePath("faces/" + expected.image)).image8
            let ours = crop.extract(from: image)
            let theirs = try PNG.read(fixturePath("faces/" + expected.crop)).image8
            XCTAssertEqual([ours.width, ours.height, ours.channels], [theirs.width, theirs.height, theirs.channels])
            // OpenCV interpolates in fixed point (1/32 pixel, 15-bit weights): a level or two apart
            // on edges, none on average.
            let differences = zip(ours.pixels, theirs.pixels).map { abs(Int($0) - Int($1)) }.sorted()
            let mean = Double(differences.reduce(0, +)) / Double(differences.count)
            XCTAssertLessThan(mean, 0.6, expected.image)
            XCTAssertLessThanOrEqual(differences[differences.count * 99 / 100], 3, expected.image)
        }
    }

    func testAShiftedFaceGivesTheSameCrop() throws {
        let landmarks = try JSONDecoder().decode(LandmarkGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/landmarks.json"))))
        let points = landmarks.cases[0].points.map { Landmark(x: $0[0], y: $0[1]) }
        let image = try PNG.read(fixturePath("faces/" + landmarks.cases[0].image)).image8
        var shifted = Image8(width: image.width + 20, height: image.height + 10, channels: 3)
        let channels = image.channels
        for y in 0..<image.height {
            for x in 0..<image.width {
                let source = (y * image.width + x) * channels, target = ((y + 10) * shifted.width + x + 20) * 3
                for k in 0..<3 { shifted.pixels[target + k] = image.pixels[source + min(k, channels - 1)] }
            }
        }
        let a = AlignedFaceCrop(landmarks: points, size: 64).extract(from: image)
        let b = AlignedFaceCrop(landmarks: points.map { Landmark(x: $0.x + 20, y: $0.y + 10) }, size: 64).extract(from: shifted)
        XCTAssertEqual(a.pixels, b.pixels, "the crop follows the face, not the frame")
    }
}
