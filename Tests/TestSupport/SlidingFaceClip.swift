import Foundation
import Media
import Tensor

/// A 320×240 clip of a fixture face photo (220², grey 90 around it) sliding 2 px right a frame:
/// a real face the detector finds in every frame, for tests that need one.
/// - photo: a file in Fixtures/faces; nil draws no face.
public func writeSlidingFaceClip(_ path: String, frames: Int, photo: String? = "astronaut.png",
                                 encoding: VideoWriterOptions.Encoding = .lossless) throws {
    let face = try photo.map { try PNG.read(fixturePath("faces/" + $0)).image8 }
    let writer = try VideoWriter(path: path, width: 320, height: 240, options: VideoWriterOptions(encoding: encoding))
    for t in 0..<frames {
        var frame = Image8(width: 320, height: 240, channels: 3, fill: 90)
        if let face {
            for y in 0..<face.height {
                for x in 0..<face.width {
                    for c in 0..<3 { frame.pixels[((y + 10) * 320 + x + 20 + 2 * t) * 3 + c] = face.pixels[(y * face.width + x) * face.channels + min(c, face.channels - 1)] }
                }
            }
        }
        try writer.write(frame)
    }
    try writer.finish()
}
