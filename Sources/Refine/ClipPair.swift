import Foundation
import Media
import Tensor

/// Target and proxy decoded in step. With the same number of frames they pair frame for frame,
/// whatever rate each file states (a swapper that wrote every frame at another rate, or at a
/// constant rate from a phone's variable one). Otherwise `--align` gives each target frame the
/// proxy frame nearest its time (a swapper that changed the rate, or dropped frames and kept the
/// others' timestamps) and the clip ends with the shorter. `--align` also scales a proxy of
/// another size but the same aspect ratio to the target's.
struct ClipPair {
    let target: VideoInfo
    let proxy: VideoInfo
    let frames: Int
    /// How the proxy is read in the target's frames (nil: frame k goes with frame k, same size
    /// and rate).
    let proxyMap: FrameMap?
    /// When each target frame is shown, seconds from the first.
    let targetTimes: [Double]
    /// Whether the target's frames stray from its average rate by more than a quarter frame (a
    /// phone's variable rate): the refined video then keeps the target's own frame times.
    let variableRate: Bool

    /// Smaller frames hold no face the fit could learn from (a crop is 64 pixels a side at least).
    static let minimumSide = 16

    init(target targetPath: String, proxy proxyPath: String, align: Bool) throws {
        // Every frame of both decoded once: the exact counts and the frame times.
        let (t, targetTimes) = try VideoInfo.probeWithFrameTimes(path: targetPath)
        let (p, proxyTimes) = try VideoInfo.probeWithFrameTimes(path: proxyPath)
        self.targetTimes = targetTimes
        variableRate = t.variableRate ?? false
        let (target, proxy) = (targetPath, proxyPath)
        for (path, info) in [(target, t), (proxy, p)] where min(info.width, info.height) < Self.minimumSide {
            throw PipelineError("\(path): frames of \(info.width)x\(info.height) are too small to refine (\(Self.minimumSide) pixels a side at least)")
        }
        let pairing = FrameMap.pairing(times: proxyTimes, size: (p.width, p.height), toTimes: targetTimes, size: (t.width, t.height))
        let scaled = (t.width, t.height) != (p.width, p.height)
        guard !scaled || (align && pairing.size != nil) else {
            throw PipelineError("target \(target) is \(t.width)x\(t.height) but proxy \(proxy) is \(p.width)x\(p.height); "
                + (align ? "--align scales a proxy of another size only when the aspect ratio is the same"
                         : "swaps must keep the frame size (--align scales one of the same aspect ratio)"))
        }
        guard t.frameCount == p.frameCount || align else {
            throw PipelineError("target \(target) has \(t.frameCount) frame\(t.frameCount == 1 ? "" : "s") but proxy \(proxy) has \(p.frameCount); "
                + "pass --align to pair frames by time (the clip ends with the shorter)")
        }
        // Frame k with frame k at the same rate and size needs no map.
        proxyMap = scaled || t.fps != p.fps || t.frameCount != p.frameCount ? pairing : nil
        frames = pairing.frames.count
        guard frames >= 2 else {
            throw PipelineError(t.frameCount >= 2
                ? "target \(target) and proxy \(proxy) overlap in \(frames) frame(s); refining needs at least 2"
                : "target \(target) has \(t.frameCount) frame(s); refining needs at least 2")
        }
        self.target = t
        self.proxy = p
    }

    /// How the proxy was paired with the target, for the report; nil when frame k simply goes
    /// with frame k at the same rate and size.
    var alignmentSummary: String? {
        guard let map = proxyMap else { return nil }
        var text: String
        if map.frames == Array(0..<frames) && proxy.frameCount == frames {
            text = "\(frames) frames paired frame for frame (the same count; proxy \(proxy.fps) fps, target \(target.fps))"
        } else {
            let repeated = zip(map.frames, map.frames.dropFirst()).filter { $0 == $1 }.count
            let skipped = zip(map.frames, map.frames.dropFirst()).reduce(0) { $0 + max(0, $1.1 - $1.0 - 1) }
            text = "\(frames) target frames paired by time with proxy frames \(map.frames.first!)…\(map.frames.last!) "
                + "(proxy \(proxy.fps) fps, target \(target.fps)): \(repeated) repeated, \(skipped) skipped"
        }
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
