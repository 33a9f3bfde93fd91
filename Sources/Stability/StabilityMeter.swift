import Foundation
public import Flow
import Media
import Tensor

/// Where the face mask of each frame comes from.
public enum MaskSource: Sendable, Equatable {
    /// The whole frame.
    case none
    /// A folder of gray PNGs, one per frame in name order (as `nicer synth` writes them).
    case folder(String)
    /// The swap itself: pixels where |proxy − target| > threshold, dilated, united over t−1…t+1.
    case fromProxy(String)

    public var description: String {
        switch self {
        case .none: "none (whole frame)"
        case .folder(let path): "folder \(path)"
        case .fromProxy(let path): "swap difference of \(path)"
        }
    }
}

/// e_stab of a video, per frame pair and averaged.
public struct StabilityReport: Codable, Sendable {
    public struct Frame: Codable, Sendable {
        /// t: the pair (t − 1, t).
        public var index: Int
        /// nil when the mask held no visible pixel in frame t − 1.
        public var error: Double?
    }

    public var video: String
    public var reference: String
    public var mask: String
    public var flow: String
    public var frames: [Frame]
    /// Mean over the pairs that have a value.
    public var mean: Double
}

public struct StabilityError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

public enum StabilityMeter {
    /// Scores `video` against the motion of `reference` (the original target). With `trim`,
    /// clips of different lengths are scored over the shorter one; with `align`, each reference
    /// frame is paired with the video's frame nearest in time (and a mask-giving proxy likewise);
    /// otherwise they must match.
    public static func measure(video: String, reference: String, mask: MaskSource, preset: DISOpticalFlow.Preset = .medium,
                               trim: Bool = false, align: Bool = false, wholeFrameFlow: Bool = false, errorVideo: String? = nil,
                               progress: ((Int, Int) -> Void)? = nil) throws -> StabilityReport {
        var videos = [video]
        if case .fromProxy(let path) = mask { videos.append(path) }
        // The heat map of pair t−1 → t as frame t−1 of the error video (`ErrorHeatMap`).
        var writer: VideoWriter?
        let info = try errorVideo.map { _ in try VideoInfo.probe(path: reference) }
        let (comparison, _) = try Comparison.run(target: reference, proxies: [(name: video, path: video)], mask: mask,
                                                 preset: preset, trim: trim, wholeFrameFlow: wholeFrameFlow,
                                                 frameMaps: align ? try Comparison.frameMaps(target: reference, videos: videos) : [:],
                                                 errorMaps: errorVideo.map { path in { _, _, heat in
                                                     if writer == nil {
                                                         writer = try VideoWriter(path: path, width: heat.width, height: heat.height,
                                                                                  options: VideoWriterOptions(encoding: .h264(crf: 18, preset: "veryfast"),
                                                                                                              fps: info!.fps))
                                                     }
                                                     try writer!.write(heat)
                                                 } },
                                                 progress: progress)
        try writer?.finish()
        let scored = comparison.proxies[0]
        return StabilityReport(video: video, reference: reference, mask: comparison.mask, flow: comparison.flow,
                               frames: scored.frames.enumerated().map { .init(index: $0.offset + 1, error: $0.element) },
                               mean: scored.mean)
    }
}

/// Yields frame masks in order, keeping only the few frames the proxy-derived union needs.
public final class MaskProvider {
    private let source: MaskSource
    private let width: Int
    private let height: Int
    private var files: [String] = []
    private var proxy: MappedReader?
    /// Raw swap masks by frame index (a window of three).
    private var raw: [Int: [Float]] = [:]
    private var seen = 0

    static let threshold: Float = 12 / 255
    static let dilation = 4

    /// `frameMaps`: as `Comparison.run` takes them; a proxy the masks come from is read through its map.
    public init(source: MaskSource, width: Int, height: Int, target: String, frameMaps: [String: FrameMap] = [:]) throws {
        self.source = source
        self.width = width
        self.height = height
        switch source {
        case .none: break
        case .folder(let path):
            let names = try? FileManager.default.contentsOfDirectory(atPath: path)
            files = (names ?? []).filter { $0.lowercased().hasSuffix(".png") }.sorted().map { path + "/" + $0 }
            guard !files.isEmpty else { throw StabilityError(description: "\(path): no PNG masks found") }
        case .fromProxy(let path):
            proxy = try MappedReader(path: path, map: frameMaps[path])
            guard proxy!.info.width == width, proxy!.info.height == height else {
                throw StabilityError(description: "\(path) is \(proxy!.info.width)x\(proxy!.info.height), the videos are \(width)x\(height)")
            }
        }
    }

    /// Feeds the next target frame (needed to derive masks from the proxy).
    public func next(target: Image8) throws {
        defer { seen += 1 }
        guard let proxy else { return }
        guard let p = try proxy.nextFrame() else {
            throw StabilityError(description: "\(proxy.path) ends after \(seen) frames")
        }
        var mask = [Float](repeating: 0, count: width * height)
        for i in 0..<(width * height) {
            var d: Float = 0
            for c in 0..<3 { d = max(d, abs(Float(p.pixels[i * 3 + c]) - Float(target.pixels[i * 3 + c])) / 255) }
            mask[i] = d > Self.threshold ? 1 : 0
        }
        raw[seen] = dilate(mask)
        raw[seen - 3] = nil
    }

    /// Mask of frame `index`; for proxy masks, call after `next` has seen frame index + 1 (or the end).
    public func mask(frame index: Int) throws -> [Float]? {
        switch source {
        case .none: return nil
        case .folder:
            guard index < files.count else { throw StabilityError(description: "mask folder has \(files.count) frames, frame \(index) needs one") }
            let image = try PNG.read(files[index]).image8
            guard image.width == width, image.height == height else {
                throw StabilityError(description: "\(files[index]) is \(image.width)x\(image.height), the video is \(width)x\(height)")
            }
            return (0..<(width * height)).map { Float(image.pixels[$0 * image.channels]) / 255 }
        case .fromProxy:
            var union = [Float](repeating: 0, count: width * height)
            for k in (index - 1)...(index + 1) {
                guard let m = raw[k] else { continue }
                for i in union.indices where m[i] > union[i] { union[i] = m[i] }
            }
            return union
        }
    }

    /// Square dilation by `dilation` pixels, as a pass along rows then one along columns.
    private func dilate(_ mask: [Float]) -> [Float] {
        let alongRows = dilate(mask, step: 1, lanes: height, laneStride: width, length: width)
        return dilate(alongRows, step: width, lanes: width, laneStride: 1, length: height)
    }

    /// One-dimensional dilation of each lane (a row or a column) of a binary mask.
    private func dilate(_ mask: [Float], step: Int, lanes: Int, laneStride: Int, length: Int) -> [Float] {
        let r = Self.dilation
        var out = mask
        for lane in 0..<lanes {
            let base = lane * laneStride
            for i in 0..<length where mask[base + i * step] == 0 {
                for j in max(0, i - r)...min(length - 1, i + r) where mask[base + j * step] > 0 {
                    out[base + i * step] = 1
                    break
                }
            }
        }
        return out
    }
}
