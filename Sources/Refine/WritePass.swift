import Foundation
import Media
import Tensor

/// The write pass: every frame rendered from its segments' best weights, pasted onto the target
/// at full resolution through its paste mask and encoded with the proxy's sound (else the
/// target's); the masks/ PNGs, preview.mp4 and sigma.mp4 beside it. All or nothing: a failure
/// part way takes back what it wrote.
enum WritePass {
    struct Written {
        let video: String
        let masks: String
        let fidelity: Double
        /// Everything written: the video, the masks folder, the preview and σ videos when asked for.
        let files: [String]
        /// Whose sound the video carries.
        let audio: String
    }

    static func run(_ clip: ClipPair, inputs: RefineInputs, options: RefineOptions, quality: OutputQuality, boxes: [CropBox],
                    crops: CropStore, renderer: SegmentRenderer, progress: (String) -> Void) throws -> Written {
        let out = inputs.output, n = options.side
        // The proxy's sound, else the target's (swappers often drop it; it is the same clip).
        let audio = clip.proxy.audio.map { (clip.proxy.path, $0, "the proxy's") }
            ?? clip.target.audio.map { (clip.target.path, $0, "the target's (the proxy has none)") }
        // MP4 unless that audio cannot go into one (FLAC, PCM, …): then Matroska, which takes any.
        let mp4Audio: Set<String> = ["aac", "mp3", "alac", "ac3", "eac3", "opus"]
        let video = out + (audio.map { mp4Audio.contains($0.1.codec) } == false ? "/refined.mkv" : "/refined.mp4")
        let writer = try VideoWriter(path: video, width: clip.target.width, height: clip.target.height,
                                     options: VideoWriterOptions(encoding: .h264(crf: quality.crf, preset: "medium"), fps: clip.target.fps,
                                                                 audioSource: audio?.0,
                                                                 timeBase: clip.variableRate ? clip.target.timeBase : nil,
                                                                 fullChroma: quality.fullChroma))
        let preview = options.preview
            ? try VideoWriter(path: out + "/preview.mp4", width: 4 * n, height: n,
                              options: VideoWriterOptions(encoding: .h264(crf: 18, preset: "veryfast"), fps: clip.target.fps))
            : nil
        let sigmaWriter = options.sigmaVideo
            ? try VideoWriter(path: out + "/sigma.mp4", width: n, height: n,
                              options: VideoWriterOptions(encoding: .h264(crf: 18, preset: "veryfast"), fps: clip.target.fps))
            : nil
        let masks = try AtomicOutput(finalPath: out + "/masks")
        try? FileManager.default.removeItem(atPath: masks.temporaryPath)
        try FileManager.default.createDirectory(atPath: masks.temporaryPath, withIntermediateDirectories: true)
        var still = StillBlend(strength: options.stillBlend)
        var squared = 0.0, weight = 0.0
        // Committed one after another at the end; a failure part way takes back what was.
        var committed: [String] = []
        do {
            try clip.forEach { t, target, proxy in
                let crop = try crops.frame(t)
                let mask = PasteMask.frameMask(crop.mask, box: boxes[t], width: target.width, height: target.height)
                // Onto the target: outside the paste mask the proxy is the target up to its coding
                // noise, which a swapper's re-encoding adds frame by frame (on a DeepFaceLive pair,
                // pasting onto the proxy kept that noise and removed 22 % of the swap's flicker).
                var frame = target
                let (refined, sigma) = try renderer.render(t, target: crop.target)
                boxes[t].paste(refined, size: n, into: &frame, mask: mask)
                still.apply(to: &frame, target: target, mask: mask)
                try writer.write(frame, at: clip.variableRate ? clip.targetTimes[t] : nil)
                for i in 0..<(frame.width * frame.height) where mask[i] > 0 {
                    for c in 0..<3 {
                        let d = (Double(frame.pixels[i * 3 + c]) - Double(proxy.pixels[i * 3 + c])) / 255
                        squared += Double(mask[i]) * d * d
                    }
                    weight += 3 * Double(mask[i])
                }
                do {
                    try PNG.write(Image8(width: frame.width, height: frame.height, channels: 1, pixels: mask.map { quantize($0) }),
                                  to: masks.temporaryPath + String(format: "/%06d.png", t + 1))
                } catch { throw masks.namingFinal(error) }
                let sigmaImage = Self.sigmaImage(sigma, size: n)
                if let preview {
                    try preview.write(Self.sideBySide([crop.target, crop.proxy, interleave(refined, size: n), sigmaImage]))
                }
                try sigmaWriter?.write(sigmaImage)
                FailPoint.kill("write", t)
                progress(String(format: "writing %d/%d", t + 1, clip.frames))
            }
            try writer.finish()
            committed.append(video)
            if let preview { try preview.finish(); committed.append(preview.path) }
            if let sigmaWriter { try sigmaWriter.finish(); committed.append(sigmaWriter.path) }
            try masks.commit()
            committed.append(masks.finalPath)
        } catch {
            masks.abandon()
            for file in committed { try? FileManager.default.removeItem(atPath: file) }
            throw error
        }
        let mse = weight > 0 ? squared / weight : 0
        return Written(video: video, masks: out + "/masks", fidelity: mse > 0 ? 10 * log10(1 / mse) : 99, files: committed,
                       audio: audio.map { "\($0.2) \($0.1.codec)" } ?? "none (neither clip has any)")
    }

    /// σ² = e^s as gray: 0 → black, ≥ 0.25 → white (the predicted L1 error of RGB in [0, 1]).
    static func sigmaImage(_ sigma: [Float], size n: Int) -> Image8 {
        Image8(width: n, height: n, channels: 3, pixels: sigma.flatMap { s in Array(repeating: quantize(min(s * 4, 1)), count: 3) })
    }

    static func sideBySide(_ tiles: [Image8]) -> Image8 {
        let n = tiles[0].width
        var out = Image8(width: n * tiles.count, height: n, channels: 3)
        for (k, tile) in tiles.enumerated() {
            for y in 0..<n { for x in 0..<n { for c in 0..<3 {
                out.pixels[(y * out.width + k * n + x) * 3 + c] = tile.pixels[(y * n + x) * tile.channels + min(c, tile.channels - 1)]
            } } }
        }
        return out
    }
}
