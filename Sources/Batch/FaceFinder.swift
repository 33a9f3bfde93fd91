import Faces
import Tensor

/// The largest face of a frame and its 68 landmarks; loads the models once per worker.
final class FaceFinder {
    let detector: FaceDetector
    let landmarks: ShapePredictor

    init(_ models: FaceModels) throws {
        detector = try FaceDetector(path: models.detector)
        landmarks = try ShapePredictor(path: models.landmarks68)
    }

    func largestFace(in frame: Image8) -> [Landmark]? {
        let faces = detector.detect(frame, maxSide: 1024)
        guard let face = faces.max(by: { area($0.box) < area($1.box) }) else { return nil }
        return landmarks.predict(frame, box: face.landmarkBox)
    }

    private func area(_ b: FaceBox) -> Int { (b.right - b.left + 1) * (b.bottom - b.top + 1) }
}
