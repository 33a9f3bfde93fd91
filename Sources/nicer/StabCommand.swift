import ArgumentParser
import Flow
import Reports
import Foundation
import Stability

struct StabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stab",
        abstract: "Stability error e_stab of a video in the face region, on the motion of the original target.",
        discussion: """
            e_stab(t) = Σ M·(1−occ)·(W(O_t) − O_{t−1})² / (3·Σ M·(1−occ)), RGB in [0,1], averaged over t:
            O is VIDEO, W warps frame t onto t−1 with DIS optical flow computed on the REFERENCE (target),
            occ is Lai et al.'s occlusion mask, M the face mask of frame t−1. Values are comparable only
            under the same flow and mask.
            """)

    @Argument(help: "The video to score (a swap, or a refined swap).")
    var video: String

    @Option(help: "The original target video whose motion the swap must follow.")
    var reference: String

    @Option(help: "Folder of per-frame face mask PNGs (e.g. a synth clip's masks/).")
    var mask: String?

    @Option(name: .customLong("mask-from"), help: "Derive the face mask from this swap: where it differs from the reference.")
    var maskFrom: String?

    @Option(help: "Optical flow preset: ultrafast, fast or medium.")
    var flow = "medium"

    @Option(help: OutputFormat.help([.text, .json, .csv]))
    var format: OutputFormat = .text

    @Flag(help: "Score the shorter length when the frame counts differ.")
    var trim = false

    @Flag(help: "Pair each reference frame with the video's frame nearest in time when their frame counts differ, and scale a video of the same aspect ratio to the reference's size (another rate or resolution, or dropped frames that kept their timestamps).")
    var align = false

    @Flag(help: "Compute the flow on the whole frame instead of around the mask (the mask's box + 25 %, at least 32 px: same score within a few %, far faster on large frames).")
    var wholeFrameFlow = false

    @Option(name: .customLong("error-video"), help: ArgumentHelp("Also write the per-pixel warping error of each frame pair as a heat map over the frame (dark red → yellow → white at 10 grey levels RMS; the mask's edge in cyan): a flickering seam shows as a bright crescent.", valueName: "FILE"))
    var errorVideo: String?

    func validate() throws {
        guard mask == nil || maskFrom == nil else { throw ValidationError("give --mask or --mask-from, not both") }
        guard DISOpticalFlow.Preset(rawValue: flow) != nil else { throw ValidationError("--flow must be ultrafast, fast or medium") }
    }

    func run() throws {
        let source: MaskSource = mask.map { .folder($0) } ?? maskFrom.map { .fromProxy($0) } ?? .none
        let started = Date()
        let report: StabilityReport
        do {
            report = try StabilityMeter.measure(
                video: video, reference: reference, mask: source, preset: DISOpticalFlow.Preset(rawValue: flow)!, trim: trim, align: align, wholeFrameFlow: wholeFrameFlow,
                errorVideo: errorVideo, progress: format == .text ? { Progress.line("stab", done: $0, total: $1, since: started) } : nil)
        } catch let error as StabilityError {
            throw BadInput(description: error.description)
        }
        switch format {
        case .json:
            print(String(decoding: try ReportFiles.json(report), as: UTF8.self))
        case .csv:
            print("frame,e_stab")
            for f in report.frames { print("\(f.index),\(f.error.map { String(format: "%.9g", $0) } ?? "")") }
        case .text:
            print("video:     \(report.video)")
            print("reference: \(report.reference) (\(report.flow))")
            print("mask:      \(report.mask)")
            print(String(format: "e_stab:    %.6g (mean of %d frame pairs)", report.mean, report.frames.filter { $0.error != nil }.count))
        }
    }
}
