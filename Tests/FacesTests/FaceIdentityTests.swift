import Faces
import Foundation
import Media
import NeuralNet
import Tensor
import TestSupport
import XCTest

struct IdentityGolden: Decodable {
    struct Case: Decodable {
        let image: String, chip: String
        let points5: [[Int]]
        let chip_embedding: [Float], image_embedding: [Float]
    }
    let cases: [Case]
}

final class FaceIdentityTests: XCTestCase {
    nonisolated(unsafe) static let network = Result { try FaceIdentity(path: try FaceAssets.locate(.identity)) }

    func golden() throws -> IdentityGolden {
        try JSONDecoder().decode(IdentityGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/identity.json"))))
    }

    /// tools/golden/faces_golden.py: dlib-bin's compute_face_descriptor on dlib's own chips.
    func testDescriptorsMatchDlibWithin1e4() throws {
        let net = try Self.network.get()
        let cases = try golden().cases
        XCTAssertEqual(cases.count, 2)
        for c in cases {
            let chip = try PNG.read(fixturePath("faces/" + c.chip)).image8
            let mine = net.descriptor(chip)
            XCTAssertEqual(mine.count, 128)
            let worst = zip(mine, c.chip_embedding).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, c.chip)
        }
        // Same person (mirror-free variants of one photo): far below dlib's 0.6.
        let a = cases[0].chip_embedding, b = cases[1].chip_embedding
        XCTAssertLessThan(FaceIdentity.distance(a, b), net.samePersonDistance)
    }

    /// Chip placement from the 5 points against dlib's get_face_chip, and the descriptor of the
    /// whole path (image + points) against dlib's.
    func testChipsFromLandmarksMatchDlib() throws {
        let net = try Self.network.get()
        for c in try golden().cases {
            let image = try PNG.read(fixturePath("faces/" + c.image)).image8
            let theirs = try PNG.read(fixturePath("faces/" + c.chip)).image8
            let chip = FaceChip(landmarks: c.points5.map { Landmark(x: $0[0], y: $0[1]) }).extract(from: image)
            let meanDifference = zip(chip.pixels, theirs.pixels).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(chip.pixels.count)
            XCTAssertLessThan(meanDifference, 0.6, c.image)
            XCTAssertLessThan(FaceIdentity.distance(net.descriptor(chip), c.image_embedding), 0.01, c.image)
        }
    }

    /// The input gradient (frozen network, loss on two stages and the descriptor) against central
    /// differences along random directions.
    func testInputGradientMatchesFiniteDifferences() throws {
        let net = try Self.network.get()
        let chip = try PNG.read(fixturePath("faces/chip-astronaut.png")).image8
        let base = net.input(chip)
        let stages = Array(net.stages.dropFirst(2).prefix(1)) + ["descriptor"]
        var random = TestRandom(seed: 21)
        // Fixed random weights per stage element make the loss Σ w·φ.
        net.forward(base)
        let weights = stages.map { name in Tensor(net.features(name)!.shape, values: (0..<net.features(name)!.count).map { _ in random.next() }) }
        func loss(_ x: Tensor) -> Double {
            net.forward(x)
            return zip(stages, weights).reduce(0.0) { sum, pair in
                sum + zip(net.features(pair.0)!.values, pair.1.values).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
        }
        _ = loss(base)
        let gradient = net.inputGradient(Dictionary(uniqueKeysWithValues: zip(stages, weights))).values
        // The network is piecewise linear, so a small step crosses few ReLU/max-pool kinks; the
        // tolerance is 3 % of the typical directional derivative ‖g‖·‖d‖/√n (Float forward noise
        // and the odd kink), far below what a missing path or a wrong crop would give.
        let norm = gradient.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        for trial in 0..<4 {
            let direction = (0..<base.count).map { _ in random.next() }
            let typical = norm * direction.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot() / Double(base.count).squareRoot()
            let h: Float = 2e-4
            let plus = Tensor(base.shape, values: zip(base.values, direction).map { $0 + h * $1 })
            let minus = Tensor(base.shape, values: zip(base.values, direction).map { $0 - h * $1 })
            let numeric = (loss(plus) - loss(minus)) / Double(2 * h)
            let analytic = zip(gradient, direction).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(analytic, numeric, accuracy: 0.03 * typical, "direction \(trial) (typical \(typical))")
        }
    }

    func testWrongFilesAreRejected() throws {
        for path in [try FaceAssets.locate(.detector), try FaceAssets.locate(.landmarks5), fixturePath("faces/astronaut.png")] {
            XCTAssertThrowsError(try FaceIdentity(path: path), path) { error in
                XCTAssertTrue(String(describing: error).contains("expected"), String(describing: error))
            }
        }
    }
}
