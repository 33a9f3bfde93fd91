import Foundation

/// landmarks.json: 68-point landmarks per frame in pixel coordinates (null where a frame has
/// none). `nicer synth` writes its faces' true landmarks this way; `nicer refine --landmarks`
/// reads it (or `nicer faces`' faces.json) instead of running the tracker.
public struct LandmarkTrack: Codable, Equatable, Sendable {
    public var source: String
    public var frames: [[[Double]]?]

    public init(source: String, frames: [[[Double]]?]) {
        self.source = source
        self.frames = frames
    }
}
