import Face3D
import Foundation
import TestSupport
import XCTest

/// The fitter recovers known shape, expression, pose and camera from noisy landmarks rendered
/// from the synthetic FLAME-structured model.
final class FLAMEFitterTests: XCTestCase {
    struct Gaussian {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        mutating func next() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
    }

    func testRecoversKnownParameters() throws {
        let model = try FLAMEModel.load(fixturePath("flame/synthetic_flame.pkl"))
        let embedding = try LandmarkEmbedding.load(fixturePath("flame/synthetic_embedding.pkl"), model: model)
        var random = Gaussian(state: 42)
        let frames = 24, noise = 0.5
        let beta = (0..<model.shapeCount).map { _ in random.next() }
        let phases = (0..<8).map { _ in random.uniform() * 2 * .pi }
        var truth: [FLAMEParameters] = [], cameras: [WeakPerspective] = [], tracks: [[SIMD2<Double>]] = []
        for f in 0..<frames {
            let t = Double(f) / Double(frames)
            var p = FLAMEParameters(shape: beta, expression: (0..<8).map { 1.2 * sin(2 * .pi * t + phases[$0]) })
            p.pose[0] = SIMD3(0.1 * sin(2 * .pi * t), 0.35 * sin(2 * .pi * t + 1), 0.05 * cos(2 * .pi * t))
            p.pose[2] = SIMD3(0.15 + 0.1 * sin(4 * .pi * t), 0, 0)
            let camera = WeakPerspective(scale: 110 + 10 * t, tx: 320 + 20 * t, ty: 240)
            let (vertices, _) = model.forward(p)
            let points = embedding.points(yaw: Matrix3.rotation(axisAngle: p.pose[0]).yaw)
            let landmarks = FLAMELandmarks.positions(points, vertices: vertices, triangles: model.triangles)
            tracks.append(landmarks.map { camera.project($0) + SIMD2(noise * random.next(), noise * random.next()) })
            truth.append(p)
            cameras.append(camera)
        }
        var options = FLAMEFitter.Options()
        options.expressionComponents = 20
        let fit = FLAMEFitter(model: model, embedding: embedding, options: options).fit(tracks)

        // Landmarks explained to the noise level (RMS of 2-D noise with σ = 0.5 px per axis is 0.71 px).
        let meanError = fit.frames.map(\.landmarkError).reduce(0, +) / Double(frames)
        XCTAssertLessThan(meanError, 1.0, "mean RMS landmark error \(meanError) px")
        // Shape: relative error of β.
        let betaError = zip(fit.shape, beta).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / beta.map { $0 * $0 }.reduce(0, +).squareRoot()
        XCTAssertLessThan(betaError, 0.15, "β \(fit.shape) vs \(beta)")
        var worstRotation = 0.0, worstJaw = 0.0, worstScale = 0.0, expressionError = 0.0, expressionNorm = 0.0
        for f in 0..<frames {
            let r = fit.frames[f]
            worstRotation = max(worstRotation, (0..<3).map { abs(r.globalPose[$0] - truth[f].pose[0][$0]) }.max()!)
            worstJaw = max(worstJaw, abs(r.jawPose.x - truth[f].pose[2].x))
            worstScale = max(worstScale, abs(r.camera.scale / cameras[f].scale - 1))
            // Expression as the face moves (the synthetic blendshapes overlap, so coefficients
            // are not unique; the deformation they make is what landmarks determine).
            func restLandmarks(_ psi: [Double]) -> [SIMD3<Double>] {
                FLAMELandmarks.positions(embedding.points, vertices: model.forward(FLAMEParameters(shape: beta, expression: psi)).vertices,
                                         triangles: model.triangles)
            }
            let neutral = restLandmarks([]), expected = restLandmarks(truth[f].expression), fitted = restLandmarks(r.expression)
            for i in 0..<68 {
                expressionError += ((fitted[i] - expected[i]) * (fitted[i] - expected[i])).sum()
                expressionNorm += ((expected[i] - neutral[i]) * (expected[i] - neutral[i])).sum()
            }
        }
        XCTAssertLessThan(worstRotation * 180 / .pi, 1.5, "global rotation")
        XCTAssertLessThan(worstJaw * 180 / .pi, 4, "jaw")
        XCTAssertLessThan(worstScale, 0.02, "camera scale")
        XCTAssertLessThan((expressionError / expressionNorm).squareRoot(), 0.3, "expression deformation")
        print(String(format: "fit: landmarks %.3f px, β rel %.3f, rot %.2f°, jaw %.2f°, scale %.3f, expression rel %.3f",
                     meanError, betaError, worstRotation * 180 / .pi, worstJaw * 180 / .pi, worstScale, (expressionError / expressionNorm).squareRoot()))
    }
}
