import Faces

/// The face models one refine loads once and shares between its stages (analysis, 3D prior, face
/// measures): parsing the 68-point model takes ~2 s, and every stage needs it.
final class LoadedFaceModels {
    let paths: FaceModels
    private var cachedLandmarks68: ShapePredictor?
    private var cachedDetector: FaceDetector?

    init(_ paths: FaceModels) { self.paths = paths }

    func landmarks68() throws -> ShapePredictor {
        if let cachedLandmarks68 { return cachedLandmarks68 }
        let loaded = try ShapePredictor(path: paths.landmarks68)
        cachedLandmarks68 = loaded
        return loaded
    }

    func detector() throws -> FaceDetector {
        if let cachedDetector { return cachedDetector }
        let loaded = try FaceDetector(path: paths.detector)
        cachedDetector = loaded
        return loaded
    }
}
