import ArgumentParser
import Flow
import Foundation
import Media
import Stability
import Synth
import Tensor

struct BenchFlowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flow",
        abstract: "Time DIS optical flow on a pair of frames (single thread) and e_stab scoring with the flow cached.",
        discussion: "Without --first/--second the pair is frames 0 and 1 of a synthetic clip of --size. "
            + "tools/bench/flow.sh times OpenCV DIS on the same pair.")

    @Option(help: "First frame (PNG); with --second.")
    var first: String?

    @Option(help: "Second frame (PNG).")
    var second: String?

    @Option(help: "Side of the synthetic pair (32...2048).")
    var size = 512

    @Option(help: "Flow preset: ultrafast, fast or medium.")
    var preset = "medium"

    @Option(help: "Timed repeats (1...100).")
    var repeats = 5

    @Option(help: "Write the synthetic pair here as PNGs (to time other tools on the same frames).")
    var export: String?

    func validate() throws {
        guard DISOpticalFlow.Preset(rawValue: preset) != nil else { throw ValidationError("--preset ultrafast|fast|medium") }
        guard (32...2048).contains(size), (1...100).contains(repeats) else { throw ValidationError("--size 32...2048, --repeats 1...100") }
        guard (first == nil) == (second == nil) else { throw ValidationError("give both --first and --second") }
    }

    func run() throws {
        let a: Image8, b: Image8
        if let first, let second {
            (a, b) = (try PNG.read(first).image8, try PNG.read(second).image8)
        } else {
            let renderer = try TestBedRenderer(config: TestBedConfig(seed: 1, frames: 2, width: size, height: size))
            (a, b) = (renderer.render(frame: 0).target, renderer.render(frame: 1).target)
        }
        if let export {
            try PNG.write(a, to: export + "/flow-0.png")
            try PNG.write(b, to: export + "/flow-1.png")
        }
        let dis = DISOpticalFlow(DISOpticalFlow.Preset(rawValue: preset)!)
        let ga = GrayImage(a), gb = GrayImage(b)
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = dis.flow(from: ga, to: gb)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        print(String(format: "DIS %@ %dx%d: %.1f ms median of %d [%.1f–%.1f]", preset, a.width, a.height,
                     times[times.count / 2], repeats, times.first!, times.last!))

        let scorer = WarpingError(preset: DISOpticalFlow.Preset(rawValue: preset)!)
        let motion = scorer.motion(previousTarget: a, target: b)
        let start = DispatchTime.now().uptimeNanoseconds
        let rounds = 20
        for _ in 0..<rounds { _ = scorer.error(motion: motion, previousOutput: a, output: b, mask: nil) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print(String(format: "e_stab scoring with cached flow %dx%d: %.0f frames/s", a.width, a.height, Double(rounds) / seconds))
    }
}
