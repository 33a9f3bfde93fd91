import Foundation
internal import CFFmpeg

/// Owns an opened input AVFormatContext; closes it in deinit.
final class InputContainer {
    let path: String
    let context: UnsafeMutablePointer<AVFormatContext>

    init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw MediaError(.badInput, call: "open", path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw MediaError(.badInput, call: "open", path: path, reason: "is a directory, not a video file")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw MediaError(.badInput, call: "open", path: path, reason: "permission denied")
        }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size == 0 {
            throw MediaError(.badInput, call: "open", path: path, reason: "file is empty")
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try ffCheck(avformat_open_input(&ctx, path, nil, nil), "avformat_open_input", path: path, kind: .badInput)
        guard let opened = ctx else {
            throw MediaError(.badInput, call: "avformat_open_input", path: path, reason: "no context returned")
        }
        self.path = path
        self.context = opened
        try ffCheck(avformat_find_stream_info(opened, nil), "avformat_find_stream_info", path: path, kind: .badInput)
    }

    deinit {
        var ctx: UnsafeMutablePointer<AVFormatContext>? = context
        avformat_close_input(&ctx)
    }

    func stream(_ index: Int32) -> UnsafeMutablePointer<AVStream> {
        context.pointee.streams[Int(index)]!
    }

    /// Demuxes the whole file from the current position, calling `body` for each packet of one
    /// stream; returns how many there were. Demuxer errors (a cut-off file) throw.
    func forEachPacket(of streamIndex: Int32, _ body: (UnsafeMutablePointer<AVPacket>) throws -> Void) throws -> Int {
        let packet = try Packet()
        var count = 0
        while true {
            let status = av_read_frame(context, packet.pointer)
            if status == ff_averror_eof() { return count }
            try ffCheck(status, "av_read_frame", path: path, kind: .badInput)
            defer { av_packet_unref(packet.pointer) }
            guard packet.pointer.pointee.stream_index == streamIndex else { continue }
            try body(packet.pointer)
            count += 1
        }
    }

    /// Index of the best stream of a kind, or nil when the file has none.
    func bestStream(_ type: AVMediaType) -> Int32? {
        let index = av_find_best_stream(context, type, -1, -1, nil, 0)
        return index >= 0 ? index : nil
    }
}

/// Owns an AVPacket.
final class Packet {
    let pointer: UnsafeMutablePointer<AVPacket>

    init() throws {
        guard let p = av_packet_alloc() else {
            throw MediaError(.output, call: "av_packet_alloc", path: nil, reason: "out of memory")
        }
        pointer = p
    }

    deinit {
        var p: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&p)
    }
}

/// Owns an AVFrame.
final class Frame {
    let pointer: UnsafeMutablePointer<AVFrame>

    init() throws {
        guard let f = av_frame_alloc() else {
            throw MediaError(.output, call: "av_frame_alloc", path: nil, reason: "out of memory")
        }
        pointer = f
    }

    /// A frame with its own buffers, allocated the way swscale needs them: rows padded to 64-byte
    /// multiples plus tail padding. swscale's SIMD code writes (and reads) whole vectors past the
    /// end of a row, so it must never convert into or out of a tightly packed caller's array.
    convenience init(width: Int, height: Int, format: AVPixelFormat, path: String?) throws {
        try self.init()
        pointer.pointee.format = format.rawValue
        pointer.pointee.width = Int32(width)
        pointer.pointee.height = Int32(height)
        try ffCheck(av_frame_get_buffer(pointer, 64), "av_frame_get_buffer", path: path, kind: .output)
    }

    deinit {
        var f: UnsafeMutablePointer<AVFrame>? = pointer
        av_frame_free(&f)
    }
}

/// Owns an AVCodecContext.
final class CodecContext {
    let pointer: UnsafeMutablePointer<AVCodecContext>

    init(codec: UnsafePointer<AVCodec>?, path: String?) throws {
        guard let c = avcodec_alloc_context3(codec) else {
            throw MediaError(.output, call: "avcodec_alloc_context3", path: path, reason: "out of memory")
        }
        pointer = c
    }

    deinit {
        var c: UnsafeMutablePointer<AVCodecContext>? = pointer
        avcodec_free_context(&c)
    }
}

/// Owns a SwsContext converting between two fixed sizes and pixel formats.
final class Scaler {
    let pointer: OpaquePointer

    init(srcWidth: Int, srcHeight: Int, srcFormat: AVPixelFormat,
         dstWidth: Int, dstHeight: Int, dstFormat: AVPixelFormat, path: String?) throws {
        // Plain bicubic: the accurate-rounding/full-chroma flags measured worse on yuv420p round trips.
        guard let s = sws_getContext(Int32(srcWidth), Int32(srcHeight), srcFormat,
                                     Int32(dstWidth), Int32(dstHeight), dstFormat,
                                     SWS_BICUBIC, nil, nil, nil) else {
            throw MediaError(.unsupported, call: "sws_getContext", path: path,
                             reason: "cannot convert \(pixelFormatName(srcFormat)) to \(pixelFormatName(dstFormat))")
        }
        pointer = s
    }

    deinit { sws_freeContext(pointer) }

    /// Matches the YUV matrix and range to what the stream says (BT.709 vs BT.601, tv vs pc range).
    func setColorspace(_ space: AVColorSpace, range: AVColorRange, yuvIsSource: Bool) {
        let standard = space == AVCOL_SPC_BT709 ? SWS_CS_ITU709 : SWS_CS_DEFAULT
        let coefficients = sws_getCoefficients(standard)
        let fullRange: Int32 = range == AVCOL_RANGE_JPEG ? 1 : 0
        if yuvIsSource {
            sws_setColorspaceDetails(pointer, coefficients, fullRange, sws_getCoefficients(SWS_CS_DEFAULT), 1,
                                     0, 1 << 16, 1 << 16)
        } else {
            sws_setColorspaceDetails(pointer, sws_getCoefficients(SWS_CS_DEFAULT), 1, coefficients, fullRange,
                                     0, 1 << 16, 1 << 16)
        }
    }
}

func pixelFormatName(_ format: AVPixelFormat) -> String {
    av_get_pix_fmt_name(format).map { String(cString: $0) } ?? "unknown"
}
