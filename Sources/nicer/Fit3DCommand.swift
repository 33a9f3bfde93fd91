import ArgumentParser
import Faces
import Foundation
import Refine

struct Fit3DCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit3d",
        abstract: "Fit the 3D face prior to a video: per-frame pose (and FLAME shape/expression) as JSON, and a wireframe overlay.",
        discussion: """
            With --flame (or NICER_FLAME) the FLAME model is fitted by Levenberg-Marquardt to the 68 landmarks \
            (one shape for the clip, expression, global and jaw pose and a weak-perspective camera per frame); \
            without it the built-in landmark prior (68-point 3D face, not FLAME) is posed per frame. \
            Writes OUT/fit3d.json and OUT/overlay.mp4 (model wireframe green, tracked landmarks red).
            """)

    @Argument(help: "The video to fit.")
    var video: String

    @Option(name: .shortAndLong, help: "Output folder (created if missing).")
    var out = "fit3d"

    @Option(help: "68-point landmarks per frame instead of the tracker: nicer synth's landmarks.json or nicer faces' faces.json.")
    var landmarks: String?

    @Option(help: "FLAME's generic_model.pkl (user-supplied; see docs/assets.md). Default: NICER_FLAME.")
    var flame: String?

    @Option(name: .customLong("flame-embedding"), help: "FLAME's 68-landmark embedding pickle. Default: NICER_FLAME_EMBEDDING.")
    var flameEmbedding: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let started = Date()
        let report = try Fit3DJob.run(video: video, output: out, landmarkFile: landmarks, flame: flame ?? environment["NICER_FLAME"],
                                      flameEmbedding: flameEmbedding ?? environment["NICER_FLAME_EMBEDDING"], models: try FaceModels(),
                                      progress: { Progress.status($0, since: started) })
        Progress.finish()
        let errors = report.frames.map(\.landmarkError)
        print("prior: \(report.prior)")
        print(String(format: "%d frames, RMS landmark error mean %.2f px (max %.2f)", report.frames.count,
                     errors.reduce(0, +) / Double(max(1, errors.count)), errors.max() ?? 0))
        print("wrote \(out)/fit3d.json, overlay.mp4")
    }
}
