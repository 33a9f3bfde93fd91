internal import CFFmpeg

/// Copies one input's best audio stream into an output muxer without re-encoding, interleaved
/// with the video by time so memory stays bounded.
final class AudioPassthrough {
    private let input: InputContainer
    private let inputIndex: Int32
    private let outputStream: UnsafeMutablePointer<AVStream>
    private let packet: Packet
    private var holding = false
    private var exhausted = false

    /// Adds the audio stream to `output`; call before the header is written.
    init(sourcePath: String, output: UnsafeMutablePointer<AVFormatContext>, outputPath: String) throws {
        input = try InputContainer(path: sourcePath)
        guard let index = input.bestStream(AVMEDIA_TYPE_AUDIO) else {
            throw MediaError(.badInput, call: "av_find_best_stream", path: sourcePath, reason: "no audio stream to copy")
        }
        inputIndex = index
        let source = input.stream(index)
        guard avformat_query_codec(output.pointee.oformat, source.pointee.codecpar.pointee.codec_id,
                                   FF_COMPLIANCE_NORMAL) == 1 else {
            let codec = String(cString: avcodec_get_name(source.pointee.codecpar.pointee.codec_id))
            throw MediaError(.unsupported, call: "avformat_query_codec", path: outputPath,
                             reason: "audio codec \(codec) of \(sourcePath) cannot be copied into this container (try .mkv)")
        }
        guard let stream = avformat_new_stream(output, nil) else {
            throw MediaError(.output, call: "avformat_new_stream", path: outputPath, reason: "out of memory")
        }
        try ffCheck(avcodec_parameters_copy(stream.pointee.codecpar, source.pointee.codecpar),
                    "avcodec_parameters_copy", path: outputPath, kind: .output)
        stream.pointee.codecpar.pointee.codec_tag = 0  // let the muxer pick its own tag
        stream.pointee.time_base = source.pointee.time_base
        outputStream = stream
        packet = try Packet()
    }

    /// Writes audio packets whose decode time is at most `seconds` (all remaining when nil).
    func copy(until seconds: Double?, into output: UnsafeMutablePointer<AVFormatContext>) throws {
        let source = input.stream(inputIndex).pointee
        let timeBase = Double(source.time_base.num) / Double(source.time_base.den)
        while true {
            if !holding {
                guard try readAudioPacket() else { return }
            }
            let p = packet.pointer
            let stamp = p.pointee.dts != ff_nopts_value() ? p.pointee.dts : p.pointee.pts
            if let seconds, stamp != ff_nopts_value(), Double(stamp) * timeBase > seconds {
                return
            }
            av_packet_rescale_ts(p, source.time_base, outputStream.pointee.time_base)
            p.pointee.stream_index = outputStream.pointee.index
            p.pointee.pos = -1
            holding = false
            try ffCheck(av_interleaved_write_frame(output, p), "av_interleaved_write_frame", path: input.path,
                        kind: .output)
        }
    }

    private func readAudioPacket() throws -> Bool {
        guard !exhausted else { return false }
        while true {
            let status = av_read_frame(input.context, packet.pointer)
            if status == ff_averror_eof() {
                exhausted = true
                return false
            }
            try ffCheck(status, "av_read_frame", path: input.path, kind: .badInput)
            if packet.pointer.pointee.stream_index == inputIndex {
                holding = true
                return true
            }
            av_packet_unref(packet.pointer)
        }
    }
}
