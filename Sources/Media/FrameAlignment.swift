public import Tensor

/// Which frame of a second video goes with each frame of a first, by time: for a swap that should
/// match its target frame for frame but does not, because the swapper changed the rate or dropped
/// frames and kept the others' timestamps. (A swapper that dropped frames and then re-timed the
/// rest at a constant rate left nothing in the file to align by.)
public enum FrameAlignment {
    /// Decoded frames' times (nil where a frame had none) from the first frame; index / `fps`
    /// when any is missing or they do not increase.
    static func relativeTimes(_ times: [Double?], fps: Rational) -> [Double] {
        let stamps = times.compactMap { $0 }
        if stamps.count == times.count, zip(stamps, stamps.dropFirst()).allSatisfy({ $0 < $1 }) {
            return stamps.map { $0 - stamps[0] }
        }
        return times.indices.map { Double($0) / fps.value }
    }

    /// Whether frames shown at `times` stray from the average rate `fps` by more than a quarter
    /// frame somewhere (a phone's variable rate).
    public static func isVariableRate(_ times: [Double], fps: Rational) -> Bool {
        let interval = 1 / fps.value
        return times.enumerated().contains { abs($0.element - Double($0.offset) * interval) > 0.25 * interval }
    }

    /// For each frame time of the reference, the index of the source frame nearest in time (the
    /// earlier one on a tie). The list stops at the first reference frame after the source's last
    /// frame has ended (its time plus half the source's median frame interval), so both clips end
    /// together. Indices never decrease.
    public static func nearestFrames(reference: [Double], source: [Double]) -> [Int] {
        guard let last = source.last else { return [] }
        let intervals = zip(source, source.dropFirst()).map { $1 - $0 }.sorted()
        let referenceInterval = reference.count > 1 ? reference[1] - reference[0] : 0
        let interval = intervals.isEmpty ? referenceInterval : intervals[intervals.count / 2]
        // Timestamps are rounded to the time base: differences below this are ties.
        let tolerance = 1e-6
        var indices: [Int] = [], j = 0
        for t in reference {
            guard t <= last + tolerance || t < last + interval / 2 - tolerance else { break }
            while j + 1 < source.count && source[j + 1] - t < t - source[j] - tolerance { j += 1 }
            indices.append(j)
        }
        return indices
    }
}

/// How to read one video in another clip's frames: the video's frame for each of the clip's
/// (`frames[k]` goes with frame k; indices never decrease), and the size to hand them out at (nil:
/// the video's own).
public struct FrameMap: Sendable {
    public var frames: [Int]
    public var size: (width: Int, height: Int)?

    public init(frames: [Int], size: (width: Int, height: Int)? = nil) {
        self.frames = frames
        self.size = size
    }

    /// The map that reads a video with frame times `times` and size `sourceSize` in the frames of
    /// a clip with `reference` times and size `size`: frame for frame when both have as many
    /// frames (whatever rates the files state), else the nearest frame in time
    /// (`FrameAlignment.nearestFrames`); scaled to the clip's size when only the resolution
    /// differs (aspect ratios within 1 %; a swapper that wrote a smaller video). Another aspect
    /// ratio is left as it is, for the caller's size check to refuse.
    public static func pairing(times: [Double], size sourceSize: (width: Int, height: Int),
                               toTimes reference: [Double], size: (width: Int, height: Int)) -> FrameMap {
        let scaled = sourceSize != size && sameAspect(sourceSize, size)
        return FrameMap(frames: times.count == reference.count ? Array(reference.indices) : FrameAlignment.nearestFrames(reference: reference, source: times),
                        size: scaled ? size : nil)
    }

    /// `pairing` for the video at `source`, decoded once for its times.
    public static func aligning(_ source: String, toTimes reference: [Double], size: (width: Int, height: Int)) throws -> FrameMap {
        let (info, times) = try VideoInfo.probeWithFrameTimes(path: source)
        return pairing(times: times, size: (info.width, info.height), toTimes: reference, size: size)
    }

    /// Whether two frame sizes have the same aspect ratio, within 1 %.
    static func sameAspect(_ a: (width: Int, height: Int), _ b: (width: Int, height: Int)) -> Bool {
        abs(Double(a.width * b.height) / Double(a.height * b.width) - 1) < 0.01
    }
}

/// A video read in another clip's frame order: output frame k is the file's frame `frames[k]`.
/// Where the map repeats an index the frame is handed out again; frames it passes over are
/// decoded and dropped. Without a map, the file's own frames in order.
///
/// ```swift
/// let proxy = try MappedReader(path: "swap.mp4", frames: FrameAlignment.nearestFrames(reference: t, source: p))
/// while let frame = try proxy.nextFrame() { ... }
/// ```
public final class MappedReader {
    private let reader: ReadAheadReader
    private let frames: [Int]?
    private var handedOut = 0
    private var current: Image8?
    private var currentIndex = -1

    public var info: VideoInfo { reader.info }
    public var path: String { reader.path }

    /// `frames` must not decrease (as `FrameAlignment.nearestFrames` gives them); `size`: as
    /// `VideoReader`'s.
    public init(path: String, frames: [Int]?, size: (width: Int, height: Int)? = nil) throws {
        precondition(frames.map { zip($0, $0.dropFirst()).allSatisfy { $0 <= $1 } } ?? true, "frame map decreases")
        reader = try ReadAheadReader(path: path, size: size)
        self.frames = frames
    }

    /// Without a map, the file's frames in order at its own size.
    public convenience init(path: String, map: FrameMap?) throws {
        try self.init(path: path, frames: map?.frames, size: map?.size)
    }

    /// The next frame of the map (or of the file), nil after the last. A file shorter than its
    /// map throws.
    public func nextFrame() throws -> Image8? {
        guard let frames else { return try reader.nextFrame() }
        guard handedOut < frames.count else { return nil }
        while currentIndex < frames[handedOut] {
            guard let frame = try reader.nextFrame() else {
                throw MediaError(.badInput, call: "avcodec_receive_frame", path: path,
                                 reason: "ended after \(currentIndex + 1) frames; frame \(frames[handedOut]) is needed")
            }
            current = frame
            currentIndex += 1
        }
        handedOut += 1
        return current
    }
}
