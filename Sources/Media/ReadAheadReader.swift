import Foundation
public import Tensor

/// A `VideoReader` that decodes the next frame on its own queue while the caller works on the
/// current one. The whole-clip passes (scoring, crops, face measures) alternate decoding with
/// work of similar cost on one thread; overlapping the two uses the second core. Memory: one
/// frame more than `VideoReader`.
///
/// ```swift
/// let reader = try ReadAheadReader(path: "in.mp4")
/// while let frame = try reader.nextFrame() { ... }
/// ```
public final class ReadAheadReader: @unchecked Sendable {
    // `reader` and `ahead` are touched only on `queue` (serial), which makes the class safe to
    // hand to it.
    private let reader: VideoReader
    private let queue: DispatchQueue
    private var ahead: Result<Image8?, any Error>?

    public let info: VideoInfo
    public let path: String

    /// `size`: as `VideoReader`'s.
    public init(path: String, size: (width: Int, height: Int)? = nil) throws {
        reader = try VideoReader(path: path, size: size)
        info = reader.info
        self.path = path
        queue = DispatchQueue(label: "nicer.read-ahead")
        decodeAhead()
    }

    /// Next frame as interleaved RGB (3 channels), or nil at the end; errors are the reader's.
    public func nextFrame() throws -> Image8? {
        let result = queue.sync { () -> Result<Image8?, any Error> in
            let result = ahead ?? .success(nil)
            if case .success = result { ahead = nil }  // an error stays: every later call throws it
            return result
        }
        if case .success(.some) = result { decodeAhead() }
        return try result.get()
    }

    private func decodeAhead() {
        queue.async { [self] in ahead = Result { try reader.nextFrame() } }
    }
}
