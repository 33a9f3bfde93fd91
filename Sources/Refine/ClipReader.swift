import Foundation
import Media
import Tensor

/// Target and proxy decoded in step. Without alignment they must agree in size, frame rate and
/// frame count; with it, each target frame gets the proxy frame nearest its time (a swapper that
/// changed the rate, or dropped frames and kept the others' timestamps), a proxy of a smaller or
/// larger size but the same aspect ratio is scaled to the target's, and the clip ends with the
/// shorter.
struct ClipPair {
    let target: VideoInfo
    let proxy: VideoInfo
    let frames: Int
    /// How the proxy is read in the target's frames, when aligned (nil: frame k goes with frame k).
    let proxyMap: FrameMap?

    init(target targetPath: String, proxy proxyPath: String, align: Bool) throws {
        var t = try VideoInfo.probe(path: targetPath, countFrames: !align), p = try VideoInfo.probe(path: proxyPath, countFrames: !align)
        let (target, proxy) = (targetPath, proxyPath)
        if align {
            let targetTimes = try FrameAlignment.frameTimes(path: target)
            let map = try FrameMap.aligning(proxy, toTimes: targetTimes, size: (t.width, t.height))
            guard (t.width, t.height) == (p.width, p.height) || map.size != nil else {
                throw PipelineError("target \(target) is \(t.width)x\(t.height) but proxy \(proxy) is \(p.width)x\(p.height); --align scales a proxy of another size only when the aspect ratio is the same")
            }
            (t.frameCount, t.frameCountSource) = (targetTimes.count, .decoded)
            proxyMap = map
            frames = map.frames.count
        } else {
            guard t.width == p.width, t.height == p.height else {
                throw PipelineError("target \(target) is \(t.width)x\(t.height) but proxy \(proxy) is \(p.width)x\(p.height); swaps must keep the frame size (--align scales one of the same aspect ratio)")
            }
            guard t.fps == p.fps else {
                throw PipelineError("target \(target) runs at \(t.fps) fps but proxy \(proxy) at \(p.fps); pass --align to resample the proxy")
            }
            guard t.frameCount == p.frameCount else {
                throw PipelineError("target \(target) has \(t.frameCount) frames but proxy \(proxy) has \(p.frameCount); pass --align to trim to the shorter")
            }
            proxyMap = nil
            frames = t.frameCount
        }
        guard frames >= 2 else {
            throw PipelineError(align && t.frameCount >= 2
                ? "target \(target) and proxy \(proxy) overlap in \(frames) frame(s); refining needs at least 2"
                : "target \(target) has \(t.frameCount) frame(s); refining needs at least 2")
        }
        self.target = t
        self.proxy = p
    }

    /// How the proxy was paired with the target, for the report; nil without alignment.
    var alignmentSummary: String? {
        guard let map = proxyMap else { return nil }
        let repeated = zip(map.frames, map.frames.dropFirst()).filter { $0 == $1 }.count
        let skipped = zip(map.frames, map.frames.dropFirst()).reduce(0) { $0 + max(0, $1.1 - $1.0 - 1) }
        var text = "\(frames) target frames paired by time with proxy frames \(map.frames.first!)…\(map.frames.last!) "
            + "(proxy \(proxy.fps) fps, target \(target.fps)): \(repeated) repeated, \(skipped) skipped"
        if let size = map.size { text += "; proxy scaled from \(proxy.width)x\(proxy.height) to \(size.width)x\(size.height)" }
        return text
    }

    /// Calls `body(t, target, proxy)` for every frame of the clip, in order.
    func forEach(_ body: (Int, Image8, Image8) throws -> Void) throws {
        let targets = try ReadAheadReader(path: target.path), proxies = try MappedReader(path: proxy.path, map: proxyMap)
        for t in 0..<frames {
            guard let frame = try targets.nextFrame() else { throw PipelineError("\(target.path) ended after \(t) frames") }
            guard let proxyFrame = try proxies.nextFrame() else { throw PipelineError("\(proxy.path) ended after \(t) frames") }
            try body(t, frame, proxyFrame)
        }
    }
}

/// Scene cuts and segments: runs of frames without a cut, each split into segments no longer
/// than `length` that share `overlap` frames with their neighbour.
enum Segmentation {
    /// Mean absolute change of a 32×32 gray thumbnail between frames, in [0, 1].
    static func thumbnail(_ image: Image8) -> [Float] {
        (0..<1024).map { k in
            let x = (k % 32) * image.width / 32, y = (k / 32) * image.height / 32
            let o = (y * image.width + x) * image.channels
            return (0..<min(3, image.channels)).reduce(Float(0)) { $0 + Float(image.pixels[o + $1]) } / (255 * Float(min(3, image.channels)))
        }
    }

    static func change(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) } / Float(a.count) }

    static func runs(cutsBefore cuts: [Int], frames: Int) -> [Range<Int>] {
        let starts = [0] + cuts.filter { $0 > 0 && $0 < frames }.sorted()
        return zip(starts, starts.dropFirst() + [frames]).map { $0..<$1 }
    }

    static func segments(_ runs: [Range<Int>], length: Int, overlap: Int) -> [Range<Int>] {
        runs.flatMap { run -> [Range<Int>] in
            guard run.count > length else { return [run] }
            let stride = length - overlap
            var out: [Range<Int>] = [], start = run.lowerBound
            while true {
                let end = min(start + length, run.upperBound)
                out.append(start..<end)
                if end == run.upperBound { break }
                start += stride
                // Keep the last segment from being a sliver: stretch the one before it instead.
                if run.upperBound - start <= overlap { out[out.count - 1] = out[out.count - 1].lowerBound..<run.upperBound; break }
            }
            return out
        }
    }
}
