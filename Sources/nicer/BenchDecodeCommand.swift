import ArgumentParser
import Foundation
import Media

struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a video to RGB and report frames per second (median of the repeats).")

    @Argument(help: "The video file.")
    var video: String

    @Option(help: "How many times to decode the whole file (1...100).")
    var repeats = 3

    @Flag(help: "Also convert each frame to planar Float32, as training does.")
    var planar = false

    func validate() throws {
        guard (1...100).contains(repeats) else { throw ValidationError("--repeats must be in 1...100") }
    }

    func run() throws {
        var rates: [Double] = []
        var frames = 0
        for _ in 0..<repeats {
            let reader = try VideoReader(path: video)
            let start = DispatchTime.now().uptimeNanoseconds
            if planar {
                while try reader.nextPlanarFrame() != nil {}
            } else {
                while try reader.nextFrame() != nil {}
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            frames = reader.framesRead
            rates.append(Double(frames) / seconds)
        }
        let median = rates.sorted()[rates.count / 2]
        print(String(format: "decode %@: %d frames, %.1f frames/s median of %d (%@)", video, frames, median, repeats,
                     rates.map { String(format: "%.1f", $0) }.joined(separator: ", ")))
    }
}
