import ArgumentParser
import Foundation
import NeuralNet
import Reports
import Tensor

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time UNet training steps (forward + loss + backward + Adam, batch 1) and compare conv speed with sgemm.")

    @Option(parsing: .upToNextOption, help: "Input sides to time (each a multiple of 2^(levels-1), 16...2048).")
    var size: [Int] = [256, 512]

    @Option(help: "Timed steps per size, after 2 warm-up steps (1...1000).")
    var steps = 10

    @Option(help: "OpenBLAS threads (default: the library's choice, the core count).")
    var threads: Int?

    @Option(help: "UNet levels (1...8).")
    var levels = 5

    @Option(help: "UNet base channels (1...256).")
    var base = 32

    @Option(help: "Upsampling: bilinear (DVP) or transposed.")
    var upsampling = "bilinear"

    @Option(help: "Write the final training state here (safetensors), e.g. to check it loads in PyTorch.")
    var checkpoint: String?

    @Flag(help: "Break the time down by layer (\"Conv2d backward dec0.up\"), not only by kind.")
    var byLayer = false

    @Option(help: ArgumentHelp("Output: text, or json (one report per line).", valueName: "text|json"))
    var format: OutputFormat = .text

    @Flag(name: .customLong("json"), help: .hidden)
    var legacyJSON = false

    var json: Bool { format == .json || legacyJSON }

    func validate() throws {
        try format.check([.text, .json])
        guard (1...8).contains(levels), (1...256).contains(base), (1...1000).contains(steps) else {
            throw ValidationError("--levels 1...8, --base 1...256, --steps 1...1000")
        }
        guard UNetConfig.Upsampling(rawValue: upsampling) != nil else { throw ValidationError("--upsampling bilinear|transposed") }
        for s in size where !(16...2048).contains(s) || s % (1 << (levels - 1)) != 0 {
            throw ValidationError("--size \(s) must be in 16...2048 and a multiple of \(1 << (levels - 1))")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be in 1...256") }
    }

    func run() throws {
        if let threads { Gemm.threads = threads }
        let config = UNetConfig(levels: levels, baseChannels: base, logVariance: true,
                                upsampling: UNetConfig.Upsampling(rawValue: upsampling)!)
        if !json { print("backend: \(Gemm.backend), \(Gemm.threads) thread(s), \(Workers.cores) convolution worker(s)") }
        for s in size {
            var benchmark = TrainingBenchmark(size: s, steps: steps, config: config)
            benchmark.byLayer = byLayer
            let report = try benchmark.run(checkpoint: checkpoint)
            if json {
                print(String(decoding: try ReportFiles.json(report, pretty: false), as: UTF8.self))
            } else {
                print(Self.text(report))
            }
        }
    }

    static func text(_ r: TrainingBenchmark.Report) -> String {
        var lines = [String(format: "%d²: %.0f ms/step median of %d [%.0f–%.0f], %.1f conv GFLOP/step → %.1f GFLOP/s; "
                            + "sgemm on these shapes %.1f GFLOP/s; conv efficiency %.0f%%",
                            r.size, r.medianStepMilliseconds, r.stepMilliseconds.count, r.stepMilliseconds.min() ?? 0,
                            r.stepMilliseconds.max() ?? 0, r.convGFLOP, r.stepGFLOPPerSecond, r.sgemmGFLOPPerSecond,
                            100 * r.convEfficiency)]
        lines.append(String(format: "   memory: model state %.1f MB, activations %.1f MB, peak RSS growth %.1f MB (%.2f× state+activations)",
                            Double(r.modelStateBytes) / 1e6, Double(r.activationBytes) / 1e6,
                            Double(r.peakResidentGrowthBytes) / 1e6,
                            Double(r.peakResidentGrowthBytes) / Double(r.modelStateBytes + r.activationBytes)))
        let total = r.breakdown.values.reduce(0, +)
        for (key, seconds) in r.breakdown.sorted(by: { $0.value > $1.value }) {
            let label = key.padding(toLength: max(28, key.count), withPad: " ", startingAt: 0)
            lines.append("   " + label + String(format: " %7.1f ms  %4.1f%%", seconds * 1e3, 100 * seconds / max(total, 1e-12)))
        }
        return lines.joined(separator: "\n")
    }
}
