import Foundation
internal import CFFmpeg
public import Tensor

/// Decodes a video sequentially into RGB frames. Memory stays bounded: one decoded frame at a time.
///
/// ```swift
/// let reader = try VideoReader(path: "in.mp4")
/// while let frame = try reader.nextFrame() { ... }
/// ```
public final class VideoReader {
    public let info: VideoInfo
    public private(set) var framesRead = 0
    /// Presentation time of the last decoded frame in seconds (the decoder's best-effort
    /// timestamp in the stream's time base), nil when the stream carries none.
    public private(set) var frameTime: Double?

    private let input: InputContainer
    private let streamIndex: Int32
    private let decoder: CodecContext
    private let packet: Packet
    private let frame: Frame
    private var scaler: Scaler?
    private var rgb: Frame?
    private var scalerKey: (Int32, Int32, Int32) = (0, 0, -1)
    /// The decoded frames' quantisers, when asked for (`quantisers`).
    private var tally: CodingQualityTally?
    private var draining = false
    private var finished = false
    /// The stream's frame size as stored, before turning upright.
    private let storedWidth: Int
    private let storedHeight: Int
    /// The size frames are converted to, still in stored orientation (the stored size unless
    /// another was asked for).
    private let convertedWidth: Int
    private let convertedHeight: Int
    /// Quarter turns counter-clockwise that bring a stored frame upright (0…3).
    private let quarterTurns: Int

    public var path: String { input.path }
    /// How finely the frames decoded so far were quantised; nil unless asked for, or when the
    /// decoder exports no quantisers for this codec.
    public var codingQuality: CodingQuality? { tally?.quality(codec: info.codec) }

    /// `size`: hand frames out at this size (upright width × height, bicubic), e.g. to match a
    /// clip of another resolution; `info` then reports it. Nil: the stream's own size.
    /// `quantisers`: tally the decoded frames' quantisers (`codingQuality`).
    public init(path: String, size: (width: Int, height: Int)? = nil, quantisers: Bool = false) throws {
        input = try InputContainer(path: path)
        guard let index = input.bestStream(AVMEDIA_TYPE_VIDEO) else {
            throw MediaError(.badInput, call: "av_find_best_stream", path: path, reason: "no video stream")
        }
        streamIndex = index
        let stream = input.stream(index)
        let parameters = stream.pointee.codecpar!
        guard let codec = avcodec_find_decoder(parameters.pointee.codec_id) else {
            throw MediaError(.unsupported, call: "avcodec_find_decoder", path: path,
                             reason: "no decoder for \(String(cString: avcodec_get_name(parameters.pointee.codec_id)))")
        }
        decoder = try CodecContext(codec: codec, path: path)
        try ffCheck(avcodec_parameters_to_context(decoder.pointer, parameters),
                    "avcodec_parameters_to_context", path: path, kind: .badInput)
        decoder.pointer.pointee.thread_count = 0  // let the decoder pick (frame threads on all cores)
        if quantisers {
            ff_export_quantisers(decoder.pointer)
            tally = CodingQualityTally()
        }
        try ffCheck(avcodec_open2(decoder.pointer, codec, nil), "avcodec_open2", path: path, kind: .badInput)
        guard parameters.pointee.width > 0, parameters.pointee.height > 0 else {
            throw MediaError(.badInput, call: "avcodec_parameters", path: path, reason: "video stream has no size")
        }
        packet = try Packet()
        frame = try Frame()
        storedWidth = Int(parameters.pointee.width)
        storedHeight = Int(parameters.pointee.height)
        var described = Self.describe(input: input, videoIndex: index)
        quarterTurns = Self.quarterTurns(rotation: described.rotation) ?? 0
        if quarterTurns % 2 == 1 { (described.width, described.height) = (described.height, described.width) }
        if let size {
            guard size.width > 0, size.height > 0, size.width <= 16384, size.height <= 16384 else {
                throw MediaError(.unsupported, call: "VideoReader", path: path, reason: "frame size \(size.width)x\(size.height) out of range")
            }
            (described.width, described.height) = size
        }
        (convertedWidth, convertedHeight) = quarterTurns % 2 == 1 ? (described.height, described.width) : (described.width, described.height)
        info = described
    }

    /// Quarter turns (0…3) for a display rotation in degrees (counter-clockwise); nil for angles
    /// that are no multiple of 90°, which frames are read without.
    public static func quarterTurns(rotation: Double) -> Int? {
        let turns = (rotation / 90).rounded()
        guard abs(rotation - 90 * turns) < 1 else { return nil }
        return (Int(turns) % 4 + 4) % 4
    }

    /// Next frame as interleaved RGB (3 channels), or nil at the end.
    public func nextFrame() throws -> Image8? {
        guard try decodeNext() else { return nil }
        var image = Image8(width: info.width, height: info.height, channels: 3)
        try convert(into: &image.pixels)
        return image
    }

    /// Next frame as planar RGB Float32 in [0, 1], or nil at the end.
    public func nextPlanarFrame() throws -> PlanarImage? {
        try nextFrame()?.planar()
    }

    /// Decodes and drops the next frame; false at the end. Counting frames this way costs no conversion.
    public func skipFrame() throws -> Bool {
        try decodeNext()
    }

    // MARK: - Decoding

    private func decodeNext() throws -> Bool {
        if finished { return false }
        while true {
            let received = avcodec_receive_frame(decoder.pointer, frame.pointer)
            if received >= 0 {
                framesRead += 1
                tally?.add(ff_frame_mean_quantiser(frame.pointer), type: String(UnicodeScalar(UInt8(bitPattern: ff_frame_picture_type(frame.pointer)))))
                let pts = frame.pointer.pointee.best_effort_timestamp
                frameTime = pts == ff_nopts_value() ? nil : Double(pts) * info.timeBase.value
                return true
            }
            if received == ff_averror_eof() {
                finished = true
                return false
            }
            guard received == ff_averror_eagain() else {
                try ffCheck(received, "avcodec_receive_frame", path: path, kind: .badInput)
                return false
            }
            if draining {
                finished = true
                return false
            }
            try feedDecoder()
        }
    }

    /// Sends the next packet of our stream, or the flush signal at the end of the file.
    private func feedDecoder() throws {
        while true {
            let status = av_read_frame(input.context, packet.pointer)
            if status == ff_averror_eof() {
                draining = true
                try ffCheck(avcodec_send_packet(decoder.pointer, nil), "avcodec_send_packet", path: path,
                            kind: .badInput)
                return
            }
            try ffCheck(status, "av_read_frame", path: path, kind: .badInput)
            defer { av_packet_unref(packet.pointer) }
            guard packet.pointer.pointee.stream_index == streamIndex else { continue }
            try ffCheck(avcodec_send_packet(decoder.pointer, packet.pointer), "avcodec_send_packet", path: path,
                        kind: .badInput)
            return
        }
    }

    private func convert(into pixels: inout [UInt8]) throws {
        let f = frame.pointer.pointee
        guard Int(f.width) == storedWidth, Int(f.height) == storedHeight else {
            throw MediaError(.unsupported, call: "avcodec_receive_frame", path: path,
                             reason: "frame \(framesRead) is \(f.width)x\(f.height), stream is \(storedWidth)x\(storedHeight)")
        }
        let (width, height) = (convertedWidth, convertedHeight)
        let key = (f.width, f.height, f.format)
        if scaler == nil || scalerKey != key {
            let source = AVPixelFormat(rawValue: f.format)
            let s = try Scaler(srcWidth: Int(f.width), srcHeight: Int(f.height), srcFormat: source,
                               dstWidth: width, dstHeight: height, dstFormat: AV_PIX_FMT_RGB24, path: path)
            s.setColorspace(f.colorspace, range: f.color_range, yuvIsSource: true)
            scaler = s
            scalerKey = key
        }
        // Into a padded frame, then row by row into the caller's packed array: swscale writes
        // whole vectors past a row's end (8 bytes past the array converting 556-wide yuv420p).
        if rgb == nil { rgb = try Frame(width: width, height: height, format: AV_PIX_FMT_RGB24, path: path) }
        let padded = rgb!.pointer
        var dst: [UnsafeMutablePointer<UInt8>?] = [ff_frame_plane(padded, 0), nil, nil, nil]
        var dstStride: [Int32] = [ff_frame_linesize(padded, 0), 0, 0, 0]
        var src: [UnsafePointer<UInt8>?] = (0..<4).map { UnsafePointer(ff_frame_plane(frame.pointer, $0)) }
        var srcStride: [Int32] = (0..<4).map { ff_frame_linesize(frame.pointer, $0) }
        _ = sws_scale(scaler!.pointer, &src, &srcStride, 0, f.height, &dst, &dstStride)
        let rowBytes = width * 3, stride = Int(dstStride[0])
        guard quarterTurns != 0 else {
            pixels.withUnsafeMutableBytes { out in
                for y in 0..<height {
                    out.baseAddress!.advanced(by: y * rowBytes).copyMemory(from: dst[0]!.advanced(by: y * stride), byteCount: rowBytes)
                }
            }
            return
        }
        // Turned upright as FFmpeg's own players turn it: counter-clockwise by the rotation.
        let source = UnsafePointer(dst[0]!), turns = quarterTurns
        let (outWidth, outHeight) = (info.width, info.height)
        pixels.withUnsafeMutableBufferPointer { out in
            for y in 0..<outHeight {
                for x in 0..<outWidth {
                    let (sx, sy) = switch turns {
                    case 1: (width - 1 - y, x)
                    case 2: (width - 1 - x, height - 1 - y)
                    default: (y, height - 1 - x)
                    }
                    let from = sy * stride + sx * 3, to = (y * outWidth + x) * 3
                    out[to] = source[from]
                    out[to + 1] = source[from + 1]
                    out[to + 2] = source[from + 2]
                }
            }
        }
    }

    // MARK: - Description

    private static func describe(input: InputContainer, videoIndex: Int32) -> VideoInfo {
        let ctx = input.context.pointee
        let stream = input.stream(videoIndex).pointee
        let par = stream.codecpar.pointee
        var rate = stream.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.r_frame_rate }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 25, den: 1) }
        let fps = Rational(Int(rate.num), Int(rate.den))
        let timeBase = Rational(Int(stream.time_base.num), Int(max(1, stream.time_base.den)))
        var duration = 0.0
        if stream.duration != ff_nopts_value() && stream.duration > 0 {
            duration = Double(stream.duration) * timeBase.value
        } else if ctx.duration != ff_nopts_value() && ctx.duration > 0 {
            duration = Double(ctx.duration) / Double(AV_TIME_BASE)
        }
        var frames = Int(stream.nb_frames)
        var source = VideoInfo.FrameCountSource.container
        if frames <= 0 {
            frames = Int((duration * fps.value).rounded())
            source = .estimated
        }
        var audio: AudioInfo? = nil
        if let audioIndex = input.bestStream(AVMEDIA_TYPE_AUDIO) {
            let a = input.stream(audioIndex).pointee
            let ap = a.codecpar.pointee
            let tb = Double(a.time_base.num) / Double(max(1, a.time_base.den))
            audio = AudioInfo(codec: String(cString: avcodec_get_name(ap.codec_id)),
                              sampleRate: Int(ap.sample_rate), channels: Int(ap.ch_layout.nb_channels),
                              durationSeconds: a.duration > 0 ? Double(a.duration) * tb : duration,
                              packets: nil, payloadCRC: nil)
        }
        return VideoInfo(
            path: input.path,
            container: String(cString: ctx.iformat.pointee.name),
            codec: String(cString: avcodec_get_name(par.codec_id)),
            pixelFormat: pixelFormatName(AVPixelFormat(rawValue: par.format)),
            width: Int(par.width), height: Int(par.height),
            fps: fps, timeBase: timeBase,
            frameCount: frames, frameCountSource: source,
            durationSeconds: duration,
            rotation: ff_stream_rotation(input.stream(videoIndex)),
            audio: audio)
    }
}

extension VideoInfo {
    /// Reads the header and demuxes every packet (cheap: no decoding) to catch truncated or
    /// damaged files. With `countFrames`, or when the container has no count or a count below the
    /// packets it holds, decodes every frame to count them exactly (and to tell a variable rate).
    public static func probe(path: String, countFrames: Bool = false) throws -> VideoInfo {
        try examine(path: path, decodeAll: countFrames).info
    }

    /// The header and every frame decoded: the exact count, and when each frame is shown
    /// (seconds from the first; index / average rate where the stream has no usable times).
    public static func probeWithFrameTimes(path: String) throws -> (info: VideoInfo, times: [Double]) {
        let (info, times) = try examine(path: path, decodeAll: true)
        return (info, times!)
    }

    /// `probe`'s work; the frame times come back whenever every frame was decoded.
    private static func examine(path: String, decodeAll: Bool) throws -> (info: VideoInfo, times: [Double]?) {
        let reader = try VideoReader(path: path, quantisers: true)
        var info = reader.info
        var decode = decodeAll || info.frameCountSource != .container
        if !decode {
            let packets = try videoPacketCount(path: path)
            guard packets >= info.frameCount else {
                throw MediaError(.badInput, call: "av_read_frame", path: path,
                                 reason: "truncated: the container lists \(info.frameCount) frames, the file holds \(packets)")
            }
            // More packets than the header admits: the header is wrong, so count what decodes.
            decode = packets > info.frameCount
        }
        if decode {
            var times: [Double?] = []
            while try reader.skipFrame() { times.append(reader.frameTime) }
            guard reader.framesRead > 0 else {
                throw MediaError(.badInput, call: "avcodec_receive_frame", path: path, reason: "no frame decodes")
            }
            info.frameCount = reader.framesRead
            info.frameCountSource = .decoded
            info.coding = reader.codingQuality
            let relative = FrameAlignment.relativeTimes(times, fps: info.fps)
            info.variableRate = FrameAlignment.isVariableRate(relative, fps: info.fps)
            return (info, relative)
        }
        return (info, nil)
    }

    /// Number of packets in the best video stream, read without decoding.
    static func videoPacketCount(path: String) throws -> Int {
        let input = try InputContainer(path: path)
        guard let index = input.bestStream(AVMEDIA_TYPE_VIDEO) else { return 0 }
        return try input.forEachPacket(of: index) { _ in }
    }
}

extension VideoInfo {
    /// Whether the frames are stored with colour at full resolution (4:4:4 YUV, RGB, grey), not
    /// subsampled as 4:2:0 and 4:2:2 are; false for a format FFmpeg does not know.
    public var fullChroma: Bool {
        let format = av_get_pix_fmt(pixelFormat)
        guard format != AV_PIX_FMT_NONE, let descriptor = av_pix_fmt_desc_get(format) else { return false }
        return descriptor.pointee.log2_chroma_w == 0 && descriptor.pointee.log2_chroma_h == 0
    }
}

extension AudioInfo {
    /// Packet count and CRC-32 of the audio payloads of a file's best audio stream (demux only).
    public static func fingerprint(path: String) throws -> (packets: Int, crc: UInt32)? {
        let input = try InputContainer(path: path)
        guard let index = input.bestStream(AVMEDIA_TYPE_AUDIO) else { return nil }
        let table = av_crc_get_table(AV_CRC_32_IEEE)
        var crc: UInt32 = 0
        let count = try input.forEachPacket(of: index) { packet in
            if let data = packet.pointee.data { crc = av_crc(table, crc, data, Int(packet.pointee.size)) }
        }
        return (count, crc)
    }
}
