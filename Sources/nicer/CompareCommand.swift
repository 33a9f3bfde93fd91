import ArgumentParser
import Flow
import Foundation
import Reports
import Stability

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Score several swaps (proxies) of one target on the same flow and mask, and rank them by e_stab.",
        discussion: """
            Known proxy names (any other name is accepted as it is): \
            \(ProxyCatalogue.known.map(\.name).joined(separator: ", ")).
            With --out DIR: compare.json, compare.csv (one row per frame pair, one column per proxy),
            compare.html (self-contained: per-frame curves, a bar per proxy, the worst pair of each) and
            config.json (the resolved options).
            """)

    @Option(help: "The original target video.")
    var target: String

    @Option(name: .customLong("proxy"), help: "A swap to score, as NAME=PATH (repeat for each).")
    var proxies: [String] = []

    @Option(help: "Folder of per-frame face mask PNGs.")
    var mask: String?

    @Option(name: .customLong("mask-from"), help: "Derive the face mask from the proxy with this NAME.")
    var maskFrom: String?

    @Option(help: "Optical flow preset: ultrafast, fast or medium.")
    var flow = "medium"

    @Option(name: .shortAndLong, help: "Folder for compare.json, compare.csv, compare.html and config.json (created if missing).")
    var out: String?

    @Flag(help: "Score the shortest length when frame counts differ.")
    var trim = false

    @Flag(help: "Pair each target frame with each proxy's frame nearest in time when their frame counts differ, and scale a proxy of the same aspect ratio to the target's size (proxies at another rate or resolution, or with dropped frames that kept their timestamps); scores the length all share.")
    var align = false

    @Flag(help: "Compute the flow on the whole frame instead of around the mask (the mask's box + 25 %, at least 32 px: same score within a few %, far faster on large frames).")
    var wholeFrameFlow = false

    @Option(help: "Ground truth of the swap (synthetic clips): PSNR of each proxy to it inside the face mask.")
    var truth: String?

    @Flag(help: "Also measure faces: eye/mouth consistency with the target, landmark jitter, identity consistency.")
    var faces = false

    @Option(name: .customLong("identity"), help: "A photo of the source identity (with --faces; repeat for several): identity similarity per proxy.")
    var identityPhotos: [String] = []

    @Option(help: "The target's 68-point landmarks per frame (with --faces) instead of the tracker: nicer synth's landmarks.json or nicer faces' faces.json; every video's identity chip is placed by them.")
    var landmarks: String?

    @Option(name: .customLong("identity-landmarks"), help: "68-point landmarks of the identity photos, one entry per --identity in order (nicer synth's identity/landmarks.json), instead of detecting their faces.")
    var identityLandmarks: String?

    func parsed() throws -> [(name: String, path: String)] {
        try proxies.map { spec in
            guard let eq = spec.firstIndex(of: "="), eq != spec.startIndex, spec.index(after: eq) != spec.endIndex else {
                throw ValidationError("--proxy must be NAME=PATH, got '\(spec)'")
            }
            return (String(spec[..<eq]), String(spec[spec.index(after: eq)...]))
        }
    }

    func validate() throws {
        let list = try parsed()
        guard !list.isEmpty else { throw ValidationError("give at least one --proxy NAME=PATH") }
        guard Set(list.map(\.name)).count == list.count else { throw ValidationError("proxy names must differ") }
        guard mask == nil || maskFrom == nil else { throw ValidationError("give --mask or --mask-from, not both") }
        if let maskFrom, !list.contains(where: { $0.name == maskFrom }) {
            throw ValidationError("--mask-from \(maskFrom) names no --proxy")
        }
        guard DISOpticalFlow.Preset(rawValue: flow) != nil else { throw ValidationError("--flow must be ultrafast, fast or medium") }
        guard identityPhotos.isEmpty || faces else { throw ValidationError("--identity needs --faces") }
        guard landmarks == nil || faces else { throw ValidationError("--landmarks needs --faces") }
        guard identityLandmarks == nil || !identityPhotos.isEmpty else { throw ValidationError("--identity-landmarks needs --identity") }
    }

    func run() throws {
        let list = try parsed()
        var inputs = CompareJob.Inputs(target: target, proxies: list,
                                       mask: mask.map { .folder($0) } ?? maskFrom.map { name in .fromProxy(list.first { $0.name == name }!.path) } ?? .none,
                                       preset: DISOpticalFlow.Preset(rawValue: flow)!)
        (inputs.trim, inputs.align, inputs.wholeFrameFlow, inputs.truth, inputs.faces) = (trim, align, wholeFrameFlow, truth, faces)
        (inputs.identityPhotos, inputs.landmarks, inputs.identityLandmarks) = (identityPhotos, landmarks, identityLandmarks)
        let started = Date()
        let result: CompareJob.Result
        do {
            result = try CompareJob.run(inputs, progress: { Progress.line($0, done: $1, total: $2, since: started) })
        } catch let error as StabilityError {
            throw BadInput(description: error.description)
        }
        for line in result.summaryLines { print(line) }
        guard let out else { return }
        let config: [String: String] = ["target": target, "proxies": list.map { "\($0.name)=\($0.path)" }.joined(separator: " "),
                                        "mask": inputs.mask.description, "flow": flow, "trim": String(trim), "align": String(align),
                                        "wholeFrameFlow": String(wholeFrameFlow), "faces": String(faces), "truth": truth ?? "",
                                        "identity": identityPhotos.joined(separator: " "), "landmarks": landmarks ?? "",
                                        "identityLandmarks": identityLandmarks ?? ""]
        let files = try CompareOutputs.write(result, config: config, to: out)
        print("wrote \(out)/" + files.joined(separator: ", "))
    }
}
