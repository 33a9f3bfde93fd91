import Foundation
internal import CFFmpeg
public import Tensor

/// How a `VideoWriter` encodes.
public struct VideoWriterOptions: Sendable, Equatable {
    public enum Encoding: Sendable, Equatable {
        /// libx264 at a constant rate factor, yuv420p (yuv444p when a side is odd, because 4:2:0
        /// needs even sizes and changing the size would break frame-exact comparisons).
        case h264(crf: Int, preset: String)
        /// FFV1 on 8-bit BGR0: bit-exact RGB, for detection-training data. Needs a Matroska-style
        /// container (.mkv, .nut, .avi).
        case lossless
        /// A folder of numbered PNG files (000000.png, 000001.png, …); no audio.
        case pngSequence
    }

    public var encoding: Encoding
    public var fps: Rational
    /// A file whose best audio stream is copied into the output, packets untouched.
    public var audioSource: String?
    /// Display rotation (degrees, counter-clockwise) written as stream metadata.
    public var rotation: Double
    /// The stream's time base when frames carry their own times (`write(_:at:)`: a variable-rate
    /// source's, kept); nil: 1/fps, frame k shown at k/fps.
    public var timeBase: Rational?
    /// H.264 in 4:4:4 (yuv444p) whatever the size: full-resolution colour, as the source had it,
    /// at the cost of the High 4:4:4 profile that browsers do not play.
    public var fullChroma: Bool

    public init(encoding: Encoding = .h264(crf: 18, preset: "medium"), fps: Rational = Rational(25, 1),
                audioSource: String? = nil, rotation: Double = 0, timeBase: Rational? = nil, fullChroma: Bool = false) {
        self.fullChroma = fullChroma
        self.encoding = encoding
        self.fps = fps
        self.audioSource = audioSource
        self.rotation = rotation
        self.timeBase = timeBase
    }
}

/// Writes RGB frames to a video file (or PNG folder). The output appears under its final name only
/// when `finish()` succeeds; a writer dropped before that leaves nothing behind.
public final class VideoWriter {
    public let path: String
    public let width: Int
    public let height: Int
    public let options: VideoWriterOptions
    public private(set) var framesWritten = 0

    private let output: AtomicOutput
    private var encoder: EncodedVideoSink?
    private var done = false

    public init(path: String, width: Int, height: Int, options: VideoWriterOptions = .init()) throws {
        guard width > 0, height > 0, width <= 16384, height <= 16384 else {
            throw MediaError(.unsupported, call: "VideoWriter", path: path, reason: "frame size \(width)x\(height) out of range")
        }
        guard options.fps.num > 0, options.fps.den > 0 else {
            throw MediaError(.unsupported, call: "VideoWriter", path: path, reason: "frame rate \(options.fps) must be positive")
        }
        self.path = path
        self.width = width
        self.height = height
        self.options = options
        output = try AtomicOutput(finalPath: path)
        if options.encoding == .pngSequence {
            if options.audioSource != nil {
                throw MediaError(.unsupported, call: "VideoWriter", path: path, reason: "a PNG sequence cannot carry audio")
            }
            do {
                try FileManager.default.createDirectory(atPath: output.temporaryPath, withIntermediateDirectories: false)
            } catch {
                throw MediaError(.output, call: "mkdir", path: path, reason: "cannot create folder: \(error.localizedDescription)")
            }
        } else {
            do {
                encoder = try EncodedVideoSink(temporaryPath: output.temporaryPath, finalPath: path,
                                               width: width, height: height, options: options)
            } catch {
                output.abandon()
                throw error
            }
        }
    }

    deinit {
        if !done {
            encoder = nil  // closes the file before it is removed
            output.abandon()
        }
    }

    /// Writes the next frame; `seconds`: when it is shown (needs `options.timeBase`; times must
    /// increase), else at framesWritten / fps.
    public func write(_ image: Image8, at seconds: Double? = nil) throws {
        precondition(!done, "write after finish")
        precondition(seconds == nil || options.timeBase != nil, "frame times need a time base")
        guard image.width == width, image.height == height, image.channels == 3 else {
            throw MediaError(.unsupported, call: "VideoWriter.write", path: path,
                             reason: "frame is \(image.width)x\(image.height)x\(image.channels), writer expects \(width)x\(height)x3")
        }
        if let encoder {
            let pts = seconds.map { Int64(($0 / options.timeBase!.value).rounded()) } ?? Int64(framesWritten)
            try encoder.encode(image, pts: pts)
        } else {
            let name = String(format: "%06d.png", framesWritten)
            do { try PNG.write(image, to: output.temporaryPath + "/" + name) } catch { throw output.namingFinal(error) }
        }
        framesWritten += 1
    }

    public func write(_ image: PlanarImage) throws {
        try write(image.quantized())
    }

    /// Flushes the encoder, copies the remaining audio, closes the file and renames it into place.
    public func finish() throws {
        precondition(!done, "finish called twice")
        guard framesWritten > 0 else {
            throw MediaError(.output, call: "VideoWriter.finish", path: path, reason: "no frames were written")
        }
        try encoder?.finish()
        encoder = nil
        try output.commit()
        done = true
    }
}

/// The FFmpeg half of VideoWriter: muxer, encoder, colour conversion and audio copy.
final class EncodedVideoSink {
    private let path: String
    private let context: UnsafeMutablePointer<AVFormatContext>
    private let encoder: CodecContext
    private let stream: UnsafeMutablePointer<AVStream>
    private let frame: Frame
    private let rgb: Frame  // the packed RGB input, copied into padded rows for swscale
    private let packet: Packet
    private let scaler: Scaler
    private var audio: AudioPassthrough?
    /// One frame at the average rate, in the encoder's time base.
    private let frameDuration: Int64
    /// Set when a failed init already released the muxer: Swift runs deinit for an init that
    /// throws after every stored property is set, and the muxer must not be freed twice.
    private var released = false

    init(temporaryPath: String, finalPath: String, width: Int, height: Int, options: VideoWriterOptions) throws {
        path = finalPath
        let timeBase = options.timeBase ?? options.fps.inverse
        frameDuration = max(1, Int64((Double(timeBase.den) / (Double(timeBase.num) * options.fps.value)).rounded()))
        guard let format = av_guess_format(nil, finalPath, nil) else {
            throw MediaError(.unsupported, call: "av_guess_format", path: finalPath,
                             reason: "no container for this file extension (use .mp4, .mkv, .mov or .nut)")
        }
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        try ffCheck(avformat_alloc_output_context2(&ctx, format, nil, temporaryPath),
                    "avformat_alloc_output_context2", path: finalPath, kind: .output)
        context = ctx!
        // Same frames, same bytes: no random segment UIDs or creation dates (reproducible test beds).
        context.pointee.flags |= AVFMT_FLAG_BITEXACT

        let (codecName, pixelFormat): (String, AVPixelFormat)
        switch options.encoding {
        case .h264:
            codecName = "libx264"
            pixelFormat = (options.fullChroma || width % 2 == 1 || height % 2 == 1) ? AV_PIX_FMT_YUV444P : AV_PIX_FMT_YUV420P
        case .lossless:
            codecName = "ffv1"
            pixelFormat = AV_PIX_FMT_BGR0
        case .pngSequence:
            preconditionFailure("PNG sequences do not use an encoder")
        }
        guard let codec = avcodec_find_encoder_by_name(codecName) else {
            avformat_free_context(ctx)
            throw MediaError(.unsupported, call: "avcodec_find_encoder_by_name", path: finalPath,
                             reason: "this FFmpeg has no \(codecName) encoder")
        }
        guard avformat_query_codec(format, codec.pointee.id, FF_COMPLIANCE_NORMAL) == 1 else {
            avformat_free_context(ctx)
            throw MediaError(.unsupported, call: "avformat_query_codec", path: finalPath,
                             reason: "\(codecName) cannot be stored in a .\(URL(fileURLWithPath: finalPath).pathExtension) file (use .mkv)")
        }
        do {
            encoder = try CodecContext(codec: codec, path: finalPath)
            let e = encoder.pointer
            e.pointee.width = Int32(width)
            e.pointee.height = Int32(height)
            e.pointee.pix_fmt = pixelFormat
            e.pointee.time_base = AVRational(num: Int32(timeBase.num), den: Int32(timeBase.den))
            e.pointee.framerate = AVRational(num: Int32(options.fps.num), den: Int32(options.fps.den))
            if pixelFormat != AV_PIX_FMT_BGR0 {
                // Tag what the RGB→YUV conversion below does (BT.601, limited range), so readers invert it.
                e.pointee.colorspace = AVCOL_SPC_SMPTE170M
                e.pointee.color_range = AVCOL_RANGE_MPEG
            }
            if (context.pointee.oformat.pointee.flags & AVFMT_GLOBALHEADER) != 0 {
                e.pointee.flags |= AV_CODEC_FLAG_GLOBAL_HEADER
            }
            var codecOptions: OpaquePointer? = nil
            defer { av_dict_free(&codecOptions) }
            if case .h264(let crf, let preset) = options.encoding {
                av_dict_set(&codecOptions, "crf", String(crf), 0)
                av_dict_set(&codecOptions, "preset", preset, 0)
                // x264's macroblock-tree rate control (r3095, FFmpeg 5.1) reads uninitialised heap
                // memory: with it, the same frames encode differently from run to run (the ffmpeg
                // tool's output changes with MALLOC_PERTURB_). Without it every figure measured on
                // a written video reproduces; files are larger at the same CRF, quality as good or better.
                // (The tree with bframes=0 reproduced in 60 clip-and-length cases, but measured no
                // steadier on real swaps: docs/real-footage.md, "The encoder's share".)
                av_dict_set(&codecOptions, "x264-params", "mbtree=0", 0)
            }
            try ffCheck(avcodec_open2(e, codec, &codecOptions), "avcodec_open2", path: finalPath, kind: .unsupported)

            guard let s = avformat_new_stream(context, nil) else {
                throw MediaError(.output, call: "avformat_new_stream", path: finalPath, reason: "out of memory")
            }
            stream = s
            try ffCheck(avcodec_parameters_from_context(s.pointee.codecpar, e), "avcodec_parameters_from_context",
                        path: finalPath, kind: .output)
            s.pointee.time_base = e.pointee.time_base
            s.pointee.avg_frame_rate = e.pointee.framerate
            if options.rotation != 0 {
                if let matrix = av_stream_new_side_data(s, AV_PKT_DATA_DISPLAYMATRIX, 9 * 4) {
                    // av_display_rotation_set takes a clockwise angle; the getter reports counter-clockwise.
                    matrix.withMemoryRebound(to: Int32.self, capacity: 9) { av_display_rotation_set($0, -options.rotation) }
                }
            }
            if let source = options.audioSource {
                audio = try AudioPassthrough(sourcePath: source, output: context, outputPath: finalPath)
            }
            frame = try Frame(width: width, height: height, format: pixelFormat, path: finalPath)
            rgb = try Frame(width: width, height: height, format: AV_PIX_FMT_RGB24, path: finalPath)
            packet = try Packet()
            scaler = try Scaler(srcWidth: width, srcHeight: height, srcFormat: AV_PIX_FMT_RGB24,
                                dstWidth: width, dstHeight: height, dstFormat: pixelFormat, path: finalPath)
            if pixelFormat != AV_PIX_FMT_BGR0 {
                scaler.setColorspace(AVCOL_SPC_SMPTE170M, range: AVCOL_RANGE_MPEG, yuvIsSource: false)
            }
            try ffCheck(avio_open(&context.pointee.pb, temporaryPath, AVIO_FLAG_WRITE), "avio_open",
                        path: finalPath, kind: .output)
            try ffCheck(avformat_write_header(context, nil), "avformat_write_header", path: finalPath, kind: .output)
        } catch {
            // deinit runs only if every stored property was set before the throw; release here
            // and mark it, so neither path frees the muxer twice.
            if context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
            avformat_free_context(context)
            released = true
            throw error
        }
    }

    deinit {
        guard !released else { return }
        if context.pointee.pb != nil { avio_closep(&context.pointee.pb) }
        avformat_free_context(context)
    }

    func encode(_ image: Image8, pts: Int64) throws {
        try ffCheck(av_frame_make_writable(frame.pointer), "av_frame_make_writable", path: path, kind: .output)
        // From a padded copy: swscale reads whole vectors past a row's end (see `Frame(width:…)`).
        let padded = rgb.pointer, stride = Int(ff_frame_linesize(padded, 0)), rowBytes = image.width * 3
        image.pixels.withUnsafeBytes { packed in
            for y in 0..<image.height {
                ff_frame_plane(padded, 0).advanced(by: y * stride)
                    .update(from: packed.baseAddress!.advanced(by: y * rowBytes).assumingMemoryBound(to: UInt8.self), count: rowBytes)
            }
        }
        var src: [UnsafePointer<UInt8>?] = [UnsafePointer(ff_frame_plane(padded, 0)), nil, nil, nil]
        var srcStride: [Int32] = [Int32(stride), 0, 0, 0]
        var dst: [UnsafeMutablePointer<UInt8>?] = (0..<4).map { ff_frame_plane(frame.pointer, $0) }
        var dstStride: [Int32] = (0..<4).map { ff_frame_linesize(frame.pointer, $0) }
        _ = sws_scale(scaler.pointer, &src, &srcStride, 0, Int32(image.height), &dst, &dstStride)
        frame.pointer.pointee.pts = pts
        try ffCheck(avcodec_send_frame(encoder.pointer, frame.pointer), "avcodec_send_frame", path: path, kind: .output)
        try drainPackets()
    }

    func finish() throws {
        try ffCheck(avcodec_send_frame(encoder.pointer, nil), "avcodec_send_frame", path: path, kind: .output)
        try drainPackets()
        try audio?.copy(until: nil, into: context)
        try ffCheck(av_write_trailer(context), "av_write_trailer", path: path, kind: .output)
        try ffCheck(avio_closep(&context.pointee.pb), "avio_closep", path: path, kind: .output)
    }

    private func drainPackets() throws {
        while true {
            let status = avcodec_receive_packet(encoder.pointer, packet.pointer)
            if status == ff_averror_eagain() || status == ff_averror_eof() { return }
            try ffCheck(status, "avcodec_receive_packet", path: path, kind: .output)
            let p = packet.pointer
            // x264 in FFmpeg 5.1 leaves duration 0; mp4 then gives the last sample no duration and
            // decoders drop the last frame. One frame at the average rate, in the time base.
            if p.pointee.duration == 0 { p.pointee.duration = frameDuration }
            p.pointee.stream_index = stream.pointee.index
            let seconds = Double(p.pointee.dts) * Double(encoder.pointer.pointee.time_base.num)
                / Double(encoder.pointer.pointee.time_base.den)
            try audio?.copy(until: seconds, into: context)
            av_packet_rescale_ts(p, encoder.pointer.pointee.time_base, stream.pointee.time_base)
            try ffCheck(av_interleaved_write_frame(context, p), "av_interleaved_write_frame", path: path, kind: .output)
        }
    }
}
