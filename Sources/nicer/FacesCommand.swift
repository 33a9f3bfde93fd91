import ArgumentParser
import Faces
import Foundation
import Refine

struct FacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faces",
        abstract: "Track the face through a video: boxes, 68/5 landmarks (exact and smoothed), identity descriptors.",
        discussion: """
            Writes OUT/faces.json (per frame: box, detected or followed, dlib's 68 points, the same smoothed \
            over time, 5 points, 128-d descriptor; plus a summary: landmark jitter before/after smoothing, \
            mean eye/mouth opening, identity consistency), OUT/faces-config.json (the resolved options), \
            OUT/preview.mp4 (boxes and landmarks drawn) and, with --masks, OUT/masks/000001.png… \
            Models come from Debian libdlib-data and PyPI face-recognition-models (tools/setup installs both); \
            the MMOD detector finds faces from about 80 pixels up.
            """)

    @Argument(help: "The video to analyse.")
    var video: String

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var out = "faces"

    @Option(help: "Run the detector every K frames and follow the landmarks in between (1...1000).")
    var every = 5

    @Option(help: "Temporal smoothing of the landmarks, Gaussian sigma in frames (0...10).")
    var smoothing = 1.5

    @Option(help: "Detector threshold; lower finds more and falser faces (-2...2).")
    var threshold: Float = 0

    @Flag(help: "Write a face mask PNG per frame into OUT/masks.")
    var masks = false

    @Option(help: "Mask regions to cut out: eyes, mouth (comma separated).")
    var exclude: String?

    @Option(help: "Forehead band above the brows, fraction of the nose-to-chin length (0...1).")
    var forehead = 0.45

    @Flag(name: .customLong("no-preview"), help: "Skip the overlay preview video.")
    var noPreview = false

    @Flag(name: .customLong("no-descriptors"), help: "Skip the identity descriptors (faster).")
    var noDescriptors = false

    @Option(help: "MMOD detector file (default: face-recognition-models' mmod_human_face_detector.dat).")
    var detector: String?

    @Option(help: "68-point landmark model (default: libdlib-data's).")
    var landmarks: String?

    func validate() throws {
        guard (1...1000).contains(every) else { throw ValidationError("--every must be in 1...1000") }
        guard (0...10).contains(smoothing) else { throw ValidationError("--smoothing must be in 0...10") }
        guard (-2...2).contains(threshold) else { throw ValidationError("--threshold must be in -2...2") }
        guard (0...1).contains(forehead) else { throw ValidationError("--forehead must be in 0...1") }
        for region in exclude?.split(separator: ",") ?? [] where FaceMaskOptions.Region(rawValue: String(region)) == nil {
            throw ValidationError("--exclude takes eyes and/or mouth, not \(region)")
        }
    }

    func run() throws {
        var options = FaceAnalysisOptions()
        options.tracker.detectEvery = every
        options.tracker.threshold = threshold
        options.smoothing = smoothing
        options.masks = masks
        options.preview = !noPreview
        options.descriptors = !noDescriptors
        options.mask.forehead = forehead
        options.mask.exclude = Set((exclude?.split(separator: ",") ?? []).compactMap { FaceMaskOptions.Region(rawValue: String($0)) })
        let started = Date()
        let report = try FaceVideoAnalysis.run(
            video: video, outputDirectory: out, options: options,
            models: try FaceModels(detector: detector, landmarks68: landmarks),
            progress: { Progress.line($0, done: $1, total: $2, since: started) })
        let s = report.summary
        print("frames:        \(s.frames), face in \(s.framesWithFace), detector runs \(s.detectorRuns)")
        print(String(format: "jitter:        %.4f raw, %.4f smoothed (inter-ocular units)", s.jitterRaw, s.jitterSmoothed))
        if let identity = s.identityConsistency { print(String(format: "identity:      %.4f mean cosine to the clip mean", identity)) }
        print("written:       \(out)/faces.json\(options.preview ? ", preview.mp4" : "")\(masks ? ", masks/" : "")")
    }
}
