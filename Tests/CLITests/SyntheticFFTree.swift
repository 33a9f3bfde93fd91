import Foundation
import TestSupport

/// A tiny FF++ tree of `nicer synth` clips (2 targets × 2 methods, 64×64):
/// original_sequences/youtube/c23/videos/{000,001}.mp4 and
/// manipulated_sequences/{Deepfakes,FaceSwap}/c23/videos/{000_001,001_000}.mp4.
func makeSyntheticFFTree(_ dir: TempDirectory, frames: Int = 8) throws -> String {
    let root = dir.file("ffpp"), fm = FileManager.default
    let originals = root + "/original_sequences/youtube/c23/videos"
    try fm.createDirectory(atPath: originals, withIntermediateDirectories: true)
    for (k, target) in ["000", "001"].enumerated() {
        let clip = dir.file("clip\(k)")
        let run = try nicer(["synth", clip, "--seed", "\(k + 1)", "--frames", "\(frames)", "--size", "64x64", "--quiet"])
        guard run.status == 0 else { throw TestSupportError("nicer synth failed: \(run.stderr)") }
        try fm.copyItem(atPath: clip + "/target.mp4", toPath: "\(originals)/\(target).mp4")
        for method in ["Deepfakes", "FaceSwap"] {
            let folder = "\(root)/manipulated_sequences/\(method)/c23/videos"
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try fm.copyItem(atPath: clip + "/proxy.mp4", toPath: "\(folder)/\(target)_\(k == 0 ? "001" : "000").mp4")
        }
    }
    return root
}
