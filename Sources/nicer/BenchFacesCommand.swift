import ArgumentParser
import Faces
import Foundation
import Media
import NeuralNet
import Tensor

struct BenchFacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces",
        abstract: "Time the MMOD detector per frame at given sizes, and the identity descriptor per face.",
        discussion: "The image (a face photo) is stretched to each size; `tools/bench/faces.py` times dlib on the same inputs.")

    @Option(help: "A face photo (PNG), e.g. Fixtures/faces/astronaut-pair.png.")
    var image: String

    @Option(help: "Frame sizes WxH, comma separated.")
    var sizes = "640x360,1920x1080"

    @Option(help: "Timed runs per measurement (1...1000).")
    var repeats = 5

    @Option(name: .customLong("vgg-weights"), help: "Also time VGG19 features (conv1_2…conv5_2) forward + input gradient at 256x256.")
    var vggWeights: String?

    func validate() throws {
        guard (1...1000).contains(repeats) else { throw ValidationError("--repeats 1...1000") }
        guard parsedSizes() != nil else { throw ValidationError("--sizes like 640x360,1920x1080") }
    }

    func parsedSizes() -> [(Int, Int)]? {
        let sizes = sizes.split(separator: ",").map { $0.split(separator: "x").compactMap { Int($0) } }
        guard sizes.allSatisfy({ $0.count == 2 && $0[0] >= 16 && $0[1] >= 16 && $0[0] <= 8192 && $0[1] <= 8192 }) else { return nil }
        return sizes.map { ($0[0], $0[1]) }
    }

    func run() throws {
        let photo = try PNG.read(image).image8
        let detector = try FaceDetector(path: try FaceAssets.locate(.detector))
        for (w, h) in parsedSizes()! {
            let frame = stretched(photo, w, h)
            var faces = 0
            let ms = time { faces = detector.detect(frame).count }
            print(String(format: "detector %dx%d: %.1f ms/frame (%d faces, mean of %d)", w, h, ms, faces, repeats))
        }
        let identity = try FaceIdentity(path: try FaceAssets.locate(.identity))
        let chip = stretched(photo, FaceIdentity.chipSize, FaceIdentity.chipSize)
        print(String(format: "identity descriptor: %.2f ms/face (mean of %d)", time { _ = identity.descriptor(chip) }, repeats))
        let crop = identity.input(stretched(photo, 256, 256))
        let perceptual = time {
            identity.forward(crop)
            _ = identity.inputGradient(Dictionary(uniqueKeysWithValues: identity.stages.map { ($0, identity.features($0)!) }))
        }
        print(String(format: "identity features forward+input gradient at 256x256: %.1f ms (mean of %d)", perceptual, repeats))
        if let vggWeights {
            let vgg = try VGGFeatures(path: vggWeights)
            let rgb = Tensor(crop.shape, values: crop.values.map { max(0, min(1, $0 + 0.5)) })
            let ms = time {
                vgg.forward(unitRGB: rgb, through: "conv5_2")
                _ = vgg.unitInputGradient(Dictionary(uniqueKeysWithValues: vgg.stages.map { ($0, vgg.features($0)!) }))
            }
            print(String(format: "VGG19 features forward+input gradient at 256x256: %.1f ms (mean of %d)", ms, repeats))
        }
    }

    /// Mean milliseconds over `repeats` runs after one warm-up.
    func time(_ body: () -> Void) -> Double {
        body()
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<repeats { body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(repeats)
    }

    /// Nearest-neighbour stretch (timing input only).
    func stretched(_ image: Image8, _ w: Int, _ h: Int) -> Image8 {
        var out = Image8(width: w, height: h, channels: 3)
        for y in 0..<h {
            for x in 0..<w {
                let sx = x * image.width / w, sy = y * image.height / h
                for c in 0..<3 { out.pixels[(y * w + x) * 3 + c] = image.pixels[(sy * image.width + sx) * image.channels + min(c, image.channels - 1)] }
            }
        }
        return out
    }
}
