internal import CFFmpeg

/// Every failure in media I/O: which C call (or check) failed, on which file, and why.
public struct MediaError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        /// The input is missing, unreadable, not media, truncated or otherwise unusable.
        case badInput
        /// Writing an output failed (permissions, disk, muxer).
        case output
        /// A valid request this build cannot serve (codec, format or layout).
        case unsupported
    }

    public let kind: Kind
    /// The C function or the check that failed, e.g. `avformat_open_input`.
    public let call: String
    public let path: String?
    public let reason: String

    public init(_ kind: Kind, call: String, path: String?, reason: String) {
        self.kind = kind
        self.call = call
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let place = path.map { "\($0): " } ?? ""
        return "\(place)\(reason) (\(call))"
    }
}

/// FFmpeg's text for an AVERROR code.
func ffmpegMessage(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    ff_err2str(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Turns a negative FFmpeg return into a thrown `MediaError` naming the call; passes others through.
@discardableResult
func ffCheck(_ code: Int32, _ call: String, path: String?, kind: MediaError.Kind) throws -> Int32 {
    if code < 0 {
        throw MediaError(kind, call: call, path: path, reason: ffmpegMessage(code))
    }
    return code
}
