import ArgumentParser
import Foundation
import Synth

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate a synthetic swapped clip with ground truth: target, gt, proxy, masks, manifest.json.",
        discussion: """
            The proxy is the ground-truth swap corrupted by swapper faults, each drawn per frame:
              pump    colour/brightness pumping, std of the gain     (0...1,  default \(FaultStrengths.standard.pump))
              jitter  outline jitter, std of the mask edge in px     (0...50, default \(FaultStrengths.standard.jitter))
              mouth   mouth collapse, probability per frame          (0...1,  default \(FaultStrengths.standard.mouth))
              eyes    eye shake, std of the eye offset in px         (0...50, default \(FaultStrengths.standard.eyes))
              blocks  outlier block, probability per frame           (0...1,  default \(FaultStrengths.standard.blocks))
            --faults edits that set left to right: 'none' clears all, 'standard' restores, NAME=VALUE sets one.
            Example: --faults none,blocks=0.3,mouth=0.2
            """)

    @Argument(help: "Folder to create (must not exist, or be empty, unless --force).")
    var outdir: String

    @Option(help: "Random seed; the same seed and options give identical files.")
    var seed: UInt64

    @Option(help: "Number of frames (2...100000).")
    var frames = 48

    @Option(help: "Frame size WIDTHxHEIGHT (each 32...4096).")
    var size = "256x256"

    @Option(help: "Frames per second (1...240).")
    var fps = 25

    @Option(help: "Fault strengths (see below).")
    var faults = "standard"

    @Option(name: .customLong("fault-scale"), help: "Multiply every fault strength by this (0...10).")
    var faultScale = 1.0

    @Flag(help: "Write bit-exact FFV1 .mkv files instead of H.264 .mp4 (CRF 12).")
    var lossless = false

    @Flag(name: .customLong("skin-transfer"), help: "The swap keeps the target's skin tone (swappers' colour transfer); identity features still change.")
    var skinTransfer = false

    @Option(name: .customLong("identity-photos"), help: "Also write this many photos of the source identity, with their landmarks, into OUTDIR/identity (0...100).")
    var identityPhotos = 0

    @Option(help: ArgumentHelp("The swapper's own blend footprint: the default one scaled by SCALE and moved by DX, DY face units (0.5...2, -0.5...0.5); real swappers blend past the landmark hull.", valueName: "SCALE[,DX,DY]"))
    var footprint: String?

    @Option(name: .customLong("landmark-noise"), help: "Std in px of per-point tracker noise on landmarks.json (0...20).")
    var landmarkNoise = 0.0

    @Flag(help: "Replace OUTDIR if it exists.")
    var force = false

    @Flag(help: "No progress line.")
    var quiet = false

    func validate() throws {
        _ = try parsedSize()
        do { _ = try FaultStrengths.parse(faults) } catch { throw ValidationError(String(describing: error)) }
        guard (0...10).contains(faultScale) else { throw ValidationError("--fault-scale must be in 0...10") }
        do { try config().validate() } catch { throw ValidationError(String(describing: error)) }
    }

    func run() throws {
        let started = Date()
        let manifest = try TestBed.generate(
            config: try config(), encoding: lossless ? .lossless : .h264, into: outdir, replacing: force,
            progress: quiet ? nil : { done, total in Progress.line("synth", done: done, total: total, since: started) })
        let injected = manifest.frames.filter { !$0.regions.isEmpty }.count
        print("wrote \(outdir): \(manifest.config.frames) frames \(manifest.config.width)x\(manifest.config.height), "
              + "faults in \(injected) proxy frames (manifest.json)"
              + (manifest.files.identity.map { ", \($0.count) identity photos (identity/)" } ?? ""))
    }

    private func parsedSize() throws -> (Int, Int) {
        let parts = size.lowercased().split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size must look like 256x256, got '\(size)'") }
        return (parts[0], parts[1])
    }

    private func config() throws -> TestBedConfig {
        let (w, h) = try parsedSize()
        let strengths = try FaultStrengths.parse(faults).scaled(by: faultScale)
        return TestBedConfig(seed: seed, frames: frames, width: w, height: h, fps: fps, faults: strengths, skinTransfer: skinTransfer,
                             identityPhotos: identityPhotos, footprint: try parsedFootprint(), landmarkNoise: landmarkNoise)
    }

    private func parsedFootprint() throws -> SwapFootprint? {
        guard let footprint else { return nil }
        let parts = footprint.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...3).contains(parts.count), parts.allSatisfy({ $0 != nil }) else {
            throw ValidationError("--footprint must look like 1.2 or 1.2,0.05,-0.1, got '\(footprint)'")
        }
        let v = parts.map { $0! } + [0, 0]
        return SwapFootprint(scale: v[0], dx: v[1], dy: v[2])
    }
}
