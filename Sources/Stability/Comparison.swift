import Foundation
public import Flow
import Media
public import Tensor

/// Several proxies of one target scored on the same flow and mask.
public struct ComparisonReport: Codable, Sendable {
    public struct Proxy: Codable, Sendable {
        public var name: String
        public var path: String
        public var source: ProxySource?
        /// e_stab(t) for t = 1 … T−1 (nil where the mask held no visible pixel).
        public var frames: [Double?]
        public var mean: Double
        /// The pair (t − 1, t) with the largest error.
        public var worstFrame: Int?
        /// PSNR (dB) to the ground truth inside the face mask, when one was given (synthetic clips).
        public var truthPSNR: Double?
    }

    public var target: String
    public var mask: String
    public var flow: String
    public var proxies: [Proxy]
    /// Proxy names from steadiest to least steady.
    public var ranking: [String]
}

/// The two frames of a proxy's worst pair, kept small for reports.
public struct WorstPair: Sendable {
    public var previous: Image8
    public var current: Image8
    /// The pair's per-pixel warping error as a heat map over the earlier frame (`ErrorHeatMap`).
    public var errorMap: Image8
}

public enum Comparison {
    /// One pass over the target and every proxy together: the target's motion between each pair
    /// of frames is computed once and every proxy is scored on it. `frameMaps`, by proxy path:
    /// the proxy's frame for each target frame and its size (`FrameMap`), for a proxy at another
    /// rate or resolution or with dropped frames; such a proxy is scored over its map's length.
    public static func run(target: String, proxies: [(name: String, path: String)], mask: MaskSource,
                           preset: DISOpticalFlow.Preset = .medium, trim: Bool = false, thumbnailWidth: Int = 160,
                           truth: String? = nil, wholeFrameFlow: Bool = false, frameMaps: [String: FrameMap] = [:],
                           errorMaps: ((_ pair: Int, _ proxy: Int, _ heatMap: Image8) throws -> Void)? = nil,
                           progress: ((Int, Int) -> Void)? = nil) throws -> (report: ComparisonReport, worst: [String: WorstPair]) {
        guard !proxies.isEmpty else { throw StabilityError(description: "no proxy to compare") }
        let targetReader = try ReadAheadReader(path: target)
        let info = targetReader.info
        let targetCount = try VideoInfo.probe(path: target, countFrames: true).frameCount
        var readers: [MappedReader] = []
        var total = targetCount
        for proxy in proxies {
            let map = frameMaps[proxy.path]
            let reader = try MappedReader(path: proxy.path, map: map)
            let p = reader.info
            guard p.width == info.width && p.height == info.height else {
                throw StabilityError(description: "frame size differs: \(proxy.path) is \(p.width)x\(p.height), \(target) is \(info.width)x\(info.height)")
            }
            let count = try map?.frames.count ?? VideoInfo.probe(path: proxy.path, countFrames: true).frameCount
            // As many frames at another stated rate: the same frames re-timed, paired one for one.
            guard p.fps == info.fps || map != nil || count == targetCount else {
                throw StabilityError(description: "frame rate differs: \(proxy.path) is \(p.fps) fps, \(target) is \(info.fps) fps (--align pairs frames by time)")
            }
            guard count == targetCount || trim || map != nil else {
                throw StabilityError(description: "frame count differs: \(proxy.path) has \(count), \(target) has \(targetCount) (use --trim to score the shorter length)")
            }
            total = min(total, count)
            readers.append(reader)
        }
        guard total >= 2 else { throw StabilityError(description: "\(target): e_stab needs at least 2 frames") }
        let truthReader = try truth.map { path -> ReadAheadReader in
            let reader = try ReadAheadReader(path: path)
            guard reader.info.width == info.width, reader.info.height == info.height else {
                throw StabilityError(description: "frame size differs: \(path) is \(reader.info.width)x\(reader.info.height), \(target) is \(info.width)x\(info.height)")
            }
            return reader
        }
        let masks = try MaskProvider(source: mask, width: info.width, height: info.height, target: target, frameMaps: frameMaps)
        let scorer = ComparisonScorer(proxies: proxies, width: info.width, height: info.height, preset: preset,
                                      thumbnailWidth: thumbnailWidth, wholeFrameFlow: wholeFrameFlow, truth: truth != nil,
                                      errorMaps: errorMaps)
        for index in 0..<total {
            guard let t = try targetReader.nextFrame() else { break }
            let frames = try readers.map { reader -> Image8 in
                guard let f = try reader.nextFrame() else { throw StabilityError(description: "\(reader.path) ends after \(index) frames") }
                return f
            }
            try masks.next(target: t)
            let truthFrame = try truthReader.map { reader -> Image8 in
                guard let f = try reader.nextFrame() else { throw StabilityError(description: "\(reader.path) ends after \(index) frames") }
                return f
            }
            try scorer.add(target: t, frames: frames, truth: truthFrame, mask: { try masks.mask(frame: $0) })
            progress?(index + 1, total)
        }
        return try scorer.finish(target: target, mask: mask, preset: preset) { try masks.mask(frame: $0) }
    }

    /// For `run`'s `frameMaps`: each video read in the target's frames (`FrameMap.aligning`), by path.
    public static func frameMaps(target: String, videos: [String]) throws -> [String: FrameMap] {
        let (info, reference) = try VideoInfo.probeWithFrameTimes(path: target)
        var maps: [String: FrameMap] = [:]
        for path in videos where maps[path] == nil {
            maps[path] = try FrameMap.aligning(path, toTimes: reference, size: (info.width, info.height))
        }
        return maps
    }

    /// Nearest-neighbour downscale to `width` (keeps aspect), for report thumbnails.
    static func thumbnail(_ image: Image8, width: Int) -> Image8 {
        guard image.width > width else { return image }
        let height = max(1, image.height * width / image.width)
        var out = Image8(width: width, height: height, channels: 3)
        for y in 0..<height {
            let sy = y * image.height / height
            for x in 0..<width {
                let sx = x * image.width / width
                for c in 0..<3 { out[x: x, y: y, c: c] = image[x: sx, y: sy, c: c] }
            }
        }
        return out
    }
}
