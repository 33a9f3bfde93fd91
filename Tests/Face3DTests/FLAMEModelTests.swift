import Face3D
import Foundation
import TestSupport
import XCTest

/// The synthetic model in FLAME's pickle structure (tools/golden/flame_fixture.py) read natively
/// and posed; skinning checked against the script's own numpy LBS.
final class FLAMEModelTests: XCTestCase {
    struct Golden: Decodable {
        struct Case: Decodable {
            var beta: [Double]
            var psi: [Double]
            var pose: [[Double]]
            var vertices: [[Double]]
            var joints: [[Double]]
            var landmarks: [[Double]]
        }
        var cases: [Case]
    }

    static func model() throws -> FLAMEModel { try FLAMEModel.load(fixturePath("flame/synthetic_flame.pkl")) }

    func testReadsTheStructure() throws {
        let model = try Self.model()
        XCTAssertEqual(model.vertexCount, 62)
        XCTAssertEqual(model.shapeCount, 10)
        XCTAssertEqual(model.expressionCount, 100)
        XCTAssertEqual(model.triangles.count, 120)
        XCTAssertEqual(model.parents, [-1, 0, 1, 1, 1])
        let embedding = try LandmarkEmbedding.load(fixturePath("flame/synthetic_embedding.pkl"), model: model)
        XCTAssertEqual(embedding.points.count, 68)
        XCTAssertEqual(embedding.contour?.count, 79)
    }

    func testSkinningMatchesNumpyLBS() throws {
        let model = try Self.model()
        let embedding = try LandmarkEmbedding.load(fixturePath("flame/synthetic_embedding.pkl"), model: model)
        let data = try Data(contentsOf: URL(fileURLWithPath: fixturePath("flame/flame_golden.json")))
        let golden = try JSONDecoder().decode(Golden.self, from: data)
        XCTAssertEqual(golden.cases.count, 3)
        for c in golden.cases {
            let p = FLAMEParameters(shape: c.beta, expression: c.psi, pose: c.pose.map { SIMD3($0[0], $0[1], $0[2]) })
            let (vertices, joints) = model.forward(p)
            var worst = 0.0
            for (v, g) in zip(vertices, c.vertices) { worst = max(worst, (0..<3).map { abs(v[$0] - g[$0]) }.max()!) }
            for (j, g) in zip(joints, c.joints) { worst = max(worst, (0..<3).map { abs(j[$0] - g[$0]) }.max()!) }
            let landmarks = FLAMELandmarks.positions(embedding.points, vertices: vertices, triangles: model.triangles)
            for (l, g) in zip(landmarks, c.landmarks) { worst = max(worst, (0..<3).map { abs(l[$0] - g[$0]) }.max()!) }
            XCTAssertLessThan(worst, 1e-9, "pose \(c.pose)")
        }
        // The posed cases really move the mesh (a skinning that ignored pose would fail above).
        XCTAssertGreaterThan(abs(golden.cases[1].vertices[5][0] - golden.cases[0].vertices[5][0]), 1e-3)
    }

    func testContourBinsFollowDECA() {
        XCTAssertEqual(LandmarkEmbedding.contourBin(yaw: 0), 0)
        XCTAssertEqual(LandmarkEmbedding.contourBin(yaw: -10 * .pi / 180), 10)
        XCTAssertEqual(LandmarkEmbedding.contourBin(yaw: 10 * .pi / 180), 49)
        XCTAssertEqual(LandmarkEmbedding.contourBin(yaw: -80 * .pi / 180), 39)
        XCTAssertEqual(LandmarkEmbedding.contourBin(yaw: 80 * .pi / 180), 78)
    }
}
