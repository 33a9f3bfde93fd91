/// How coarsely a video's frames were quantised, read from its decoder's per-block parameters while
/// every frame is decoded (`VideoInfo.probeWithFrameTimes`, `nicer probe --count-frames`).
///
/// A refined video is a second generation of coding: encoded more coarsely than the swap it
/// replaces, x264's own frame-to-frame noise shows up as flicker. On DeepFaceLive's
/// David_Kovalniy_0 (a swap coded at CRF 12, e_stab median 3.21 ×10⁻⁵) the swap itself re-encoded
/// at CRF 16 measured 4.21, at 12 3.47, at 6 3.32 (docs/real-footage.md, "The encoder's share").
public struct CodingQuality: Codable, Equatable, Sendable {
    /// The codec whose quantiser scale `meanQuantiser` is on.
    public var codec: String
    /// Frames that carried quantisers.
    public var frames: Int
    /// Mean quantiser over those frames (each frame's area-weighted mean).
    public var meanQuantiser: Double
    /// The same per picture type ("I", "P", "B"), for the types present.
    public var meanQuantiserByType: [String: Double]

    public init(codec: String, frames: Int, meanQuantiser: Double, meanQuantiserByType: [String: Double]) {
        (self.codec, self.frames, self.meanQuantiser, self.meanQuantiserByType) = (codec, frames, meanQuantiser, meanQuantiserByType)
    }

    /// The x264 constant rate factor that codes about as finely; nil for codecs on another scale.
    /// x264's CRF holds P frames near the CRF's quantiser on content of ordinary complexity (I
    /// frames finer, B frames coarser; busier content a little coarser, and so does an x264 output
    /// of the same content, which is what the estimate is compared with): on a DeepFaceLive swap
    /// re-encoded at CRF 6…16 the P frames' mean was CRF + 0.1…0.4, and 12.3 for its own CRF 12 with
    /// the macroblock tree. So the P frames' mean, else the I frames', else the whole mean.
    public var equivalentCRF: Double? {
        guard codec == "h264" else { return nil }
        return meanQuantiserByType["P"] ?? meanQuantiserByType["I"] ?? meanQuantiser
    }
}

/// Adds up the quantisers of decoded frames (`VideoReader` with `quantisers: true`).
struct CodingQualityTally {
    private var sum = 0.0, count = 0
    private var byType: [String: (sum: Double, count: Int)] = [:]

    mutating func add(_ quantiser: Double, type: String) {
        guard quantiser >= 0 else { return }
        sum += quantiser
        count += 1
        byType[type, default: (0, 0)].sum += quantiser
        byType[type, default: (0, 0)].count += 1
    }

    func quality(codec: String) -> CodingQuality? {
        guard count > 0 else { return nil }
        return CodingQuality(codec: codec, frames: count, meanQuantiser: sum / Double(count),
                             meanQuantiserByType: byType.mapValues { $0.sum / Double($0.count) })
    }
}
