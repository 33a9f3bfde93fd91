import ArgumentParser
import Flow
import Foundation
import Media
import Refine
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

    @Option(help: "Folder for compare.json, compare.csv, compare.html and config.json (created if missing).")
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
        let source: MaskSource = mask.map { .folder($0) }
            ?? maskFrom.map { name in .fromProxy(list.first { $0.name == name }!.path) } ?? .none
        let started = Date()
        // Landmark files are read first, so a bad one fails before the long scoring.
        let placement = try landmarks.map { try LandmarkFile.read($0, frames: try VideoInfo.probe(path: target).frameCount) }
        let photoLandmarks = try identityLandmarks.map { try LandmarkFile.readPhotos($0, photos: identityPhotos.count) }
        let result: (report: ComparisonReport, worst: [String: WorstPair])
        let frameMaps = align ? try Comparison.frameMaps(target: target, videos: list.map(\.path)) : [:]
        do {
            result = try Comparison.run(target: target, proxies: list, mask: source, preset: DISOpticalFlow.Preset(rawValue: flow)!,
                                        trim: trim, truth: truth, wholeFrameFlow: wholeFrameFlow, frameMaps: frameMaps,
                                        progress: { Progress.line("compare", done: $0, total: $1, since: started) })
        } catch let error as StabilityError {
            throw BadInput(description: error.description)
        }
        let report = result.report
        for (rank, name) in report.ranking.enumerated() {
            let p = report.proxies.first { $0.name == name }!
            let what = p.source.map { "\($0.kind), \($0.year)" } ?? "unknown source"
            print(String(format: "%d. %@  e_stab %.6g  (%@)%@", rank + 1, name, p.mean, what,
                         p.truthPSNR.map { String(format: "  PSNR to truth %.2f dB", $0) } ?? ""))
        }
        var faceReport: FaceComparisonReport?
        if faces {
            faceReport = try FaceComparison.run(target: target, videos: list, identityPhotos: identityPhotos, models: try FaceModels(),
                                                placement: placement, photoLandmarks: photoLandmarks, frameMaps: frameMaps,
                                                progress: { Progress.line($0, done: $1, total: $2, since: started) })
        }
        for m in faceReport?.videos ?? [] {
            print(String(format: "   %@: eyes %.4f, mouth %.4f off the target; jitter %.4f (target %.4f); identity consistency %.4f%@",
                         m.name, m.eyeConsistency, m.mouthConsistency, m.jitter, faceReport!.targetJitter, m.identityConsistency,
                         m.identityToPhotos.map { String(format: ", %.4f to the photos", $0) } ?? ""))
        }
        guard let out else { return }
        do {
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        } catch {
            throw BadInput(description: "\(out): cannot create the output folder: \(error.localizedDescription)")
        }
        let json = JSONEncoder()
        json.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try json.encode(report).write(to: URL(fileURLWithPath: out + "/compare.json"), options: .atomic)
        try Data(csv(report).utf8).write(to: URL(fileURLWithPath: out + "/compare.csv"), options: .atomic)
        if let faceReport { try json.encode(faceReport).write(to: URL(fileURLWithPath: out + "/faces.json"), options: .atomic) }
        try Data(try CompareReport.page(report, worst: result.worst, faces: faceReport).render().utf8).write(to: URL(fileURLWithPath: out + "/compare.html"), options: .atomic)
        let config: [String: String] = ["target": target, "proxies": list.map { "\($0.name)=\($0.path)" }.joined(separator: " "),
                                        "mask": source.description, "flow": flow, "trim": String(trim), "align": String(align), "wholeFrameFlow": String(wholeFrameFlow), "faces": String(faces), "truth": truth ?? "",
                                        "identity": identityPhotos.joined(separator: " "), "landmarks": landmarks ?? "",
                                        "identityLandmarks": identityLandmarks ?? ""]
        try json.encode(config).write(to: URL(fileURLWithPath: out + "/config.json"), options: .atomic)
        print("wrote \(out)/compare.json, compare.csv, compare.html, config.json\(faces ? ", faces.json" : "")")
    }

    func csv(_ report: ComparisonReport) -> String {
        var lines = ["frame," + report.proxies.map(\.name).joined(separator: ",")]
        let count = report.proxies.map(\.frames.count).max() ?? 0
        for i in 0..<count {
            lines.append("\(i + 1)," + report.proxies.map { p in
                i < p.frames.count ? (p.frames[i].map { String(format: "%.9g", $0) } ?? "") : ""
            }.joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
