import ArgumentParser
import Faces
import Foundation
import Media
import Tensor

struct BenchLandmarksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landmarks",
        abstract: "Time dlib's 68- and 5-point landmark predictors per face (and the model load).")

    @Option(help: "An image (PNG) with one face.")
    var image: String

    @Option(help: "The face box as LEFT,TOP,RIGHT,BOTTOM (inclusive), e.g. from dlib's detector.")
    var box: String

    @Option(help: "Timed predictions (1...100000).")
    var repeats = 2000

    func validate() throws {
        guard box.split(separator: ",").compactMap({ Int($0) }).count == 4 else { throw ValidationError("--box LEFT,TOP,RIGHT,BOTTOM") }
        guard (1...100_000).contains(repeats) else { throw ValidationError("--repeats 1...100000") }
    }

    func run() throws {
        let b = box.split(separator: ",").compactMap { Int($0) }
        let faceBox = FaceBox(left: b[0], top: b[1], right: b[2], bottom: b[3])
        let picture = try PNG.read(image).image8
        for asset in [FaceAsset.landmarks68, .landmarks5] {
            let loadStart = DispatchTime.now().uptimeNanoseconds
            let predictor = try ShapePredictor(path: try FaceAssets.locate(asset))
            let load = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e6
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repeats { _ = predictor.predict(picture, box: faceBox) }
            let perFace = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(repeats)
            print(String(format: "%d-point landmarks: %.3f ms/face (mean of %d), model load %.0f ms", predictor.parts, perFace, repeats, load))
        }
    }
}
