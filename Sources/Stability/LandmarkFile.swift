import Faces
import Foundation
import Media

/// 68-point landmark files given instead of the tracker: a `LandmarkTrack` (nicer synth's
/// landmarks.json and identity/landmarks.json) or nicer faces' faces.json.
public enum LandmarkFile {
    /// How far outside the frame a point may lie, in frame sizes (a face cut by the frame's edge has
    /// points beyond it; a point further out is a broken file, and would make the masks' raster
    /// loops run over billions of pixels or trap converting to Int).
    static let reach = 1.0
    /// The same bound for identity photos, whose sizes are not known when the file is read: more
    /// than any frame nicer decodes (FFmpeg's limit is 16384).
    static let photoBound = 65_536.0

    /// Landmarks per frame from a `LandmarkTrack` file or nicer faces' faces.json (smoothed points
    /// where present); at least `frames` entries (exactly, for `photos`), 68 points each where not
    /// null, each within `reach` frame sizes of a `size` frame (or `photoBound` when nil).
    public static func read(_ path: String, frames: Int, size: (width: Int, height: Int)?, photos: Bool = false) throws -> [[SIMD2<Double>]?] {
        guard let data = FileManager.default.contents(atPath: path) else { throw PipelineError("\(path): cannot read the landmarks file") }
        var perFrame: [[[Double]]?]
        if let track = try? JSONDecoder().decode(LandmarkTrack.self, from: data) {
            perFrame = track.frames
        } else if let faces = try? JSONDecoder().decode(FacesFile.self, from: data) {
            perFrame = faces.frames.map { $0.smoothed ?? $0.landmarks?.map { $0.map(Double.init) } }
        } else if (try? JSONSerialization.jsonObject(with: data)) == nil {
            throw PipelineError("\(path): not valid JSON (a landmarks.json of nicer synth or a faces.json of nicer faces expected)")
        } else {
            throw PipelineError("\(path): neither a landmarks.json (nicer synth) nor a faces.json (nicer faces)")
        }
        let (xs, ys) = size.map { (-reach * Double($0.width)...(1 + reach) * Double($0.width), -reach * Double($0.height)...(1 + reach) * Double($0.height)) }
            ?? (-photoBound...photoBound, -photoBound...photoBound)
        guard !photos || perFrame.count == frames else { throw PipelineError("\(path): landmarks for \(perFrame.count) photos, but \(frames) identity photos given") }
        guard perFrame.count >= frames else { throw PipelineError("\(path): landmarks for \(perFrame.count) frames, the clip has \(frames)") }
        let points = try perFrame.prefix(frames).enumerated().map { t, frame -> [SIMD2<Double>]? in
            guard let frame else { return nil }
            guard frame.count == 68, frame.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isFinite) }) else {
                throw PipelineError("\(path): frame \(t) does not hold 68 (x, y) points")
            }
            if let far = frame.firstIndex(where: { !xs.contains($0[0]) || !ys.contains($0[1]) }) {
                throw PipelineError("\(path): frame \(t) point \(far) (\(frame[far][0]), \(frame[far][1])) lies far outside the "
                    + (size.map { "\($0.width)x\($0.height) frame" } ?? "photo"))
            }
            return frame.map { SIMD2($0[0], $0[1]) }
        }
        guard points.contains(where: { $0 != nil }) else { throw PipelineError("\(path): no frame has landmarks") }
        return points
    }

    /// The fields of nicer faces' faces.json this reader needs (the rest of its schema is `FaceAnalysisReport`).
    private struct FacesFile: Decodable {
        struct Frame: Decodable {
            var landmarks: [[Int]]?
            var smoothed: [[Double]]?
        }
        var frames: [Frame]
        var summary: Summary
        struct Summary: Decodable {}
    }

    /// The identity photos' landmarks: exactly one entry per photo, none missing.
    public static func readPhotos(_ path: String, photos: Int) throws -> [[SIMD2<Double>]] {
        return try read(path, frames: photos, size: nil, photos: true).enumerated().map { k, p in
            guard let p else { throw PipelineError("\(path): entry \(k) (photo \(k + 1)) has no landmarks") }
            return p
        }
    }
}
