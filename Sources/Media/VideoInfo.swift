/// What a video file holds, as `nicer probe` reports it.
public struct VideoInfo: Codable, Equatable, Sendable {
    /// Where `frameCount` came from.
    public enum FrameCountSource: String, Codable, Sendable {
        /// The container's own sample count.
        case container
        /// Duration × frame rate, because the container gave no count.
        case estimated
        /// Every frame decoded and counted.
        case decoded
    }

    public var path: String
    public var container: String
    public var codec: String
    public var pixelFormat: String
    /// The size of the frames as decoded (upright: after the rotation, when it is a multiple of 90°).
    public var width: Int
    public var height: Int
    /// Average frame rate, exact.
    public var fps: Rational
    /// The video stream's time base.
    public var timeBase: Rational
    public var frameCount: Int
    public var frameCountSource: FrameCountSource
    /// Whether the frames' times stray from the average rate by more than a quarter frame;
    /// known only when every frame was decoded (`FrameAlignment.isVariableRate`).
    public var variableRate: Bool?
    public var durationSeconds: Double
    /// Display rotation in degrees, counter-clockwise, from the stream's display matrix (0 if none).
    /// A multiple of 90° is applied on decoding, as players do: `VideoReader` hands out upright
    /// frames and `width` × `height` are theirs.
    public var rotation: Double
    public var audio: AudioInfo?
    /// How finely the frames were quantised; known only when every frame was decoded, for codecs
    /// whose decoder exports its quantisers (H.264, MPEG-2, VP9).
    public var coding: CodingQuality?

    public var hasAudio: Bool { audio != nil }
}

public struct AudioInfo: Codable, Equatable, Sendable {
    public var codec: String
    public var sampleRate: Int
    public var channels: Int
    public var durationSeconds: Double
    /// Demuxed packet count and a CRC-32 over their payloads, filled by `AudioInfo.fingerprint`;
    /// equal fingerprints mean the stream was copied, not re-encoded.
    public var packets: Int?
    public var payloadCRC: UInt32?
}
