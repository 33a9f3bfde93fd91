import Media
import Tensor
import TestSupport
import XCTest

final class AudioPassthroughTests: XCTestCase {
    func testReencodingKeepsTheAudioStreamPacketForPacket() throws {
        let dir = try TempDirectory()
        let source = dir.file("with-audio.mp4")
        // The one input nicer cannot make itself: a clip with an AAC track, made by the ffmpeg CLI.
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", source])
        let reader = try VideoReader(path: source)
        XCTAssertTrue(reader.info.hasAudio)
        XCTAssertEqual(reader.info.audio?.codec, "aac")

        let output = dir.file("reencoded.mp4")
        let writer = try VideoWriter(path: output, width: reader.info.width, height: reader.info.height,
                                     options: .init(encoding: .h264(crf: 20, preset: "ultrafast"), fps: reader.info.fps,
                                                    audioSource: source))
        while let frame = try reader.nextFrame() { try writer.write(frame) }
        try writer.finish()

        let info = try VideoInfo.probe(path: output, countFrames: true)
        XCTAssertEqual(info.frameCount, 50)
        XCTAssertEqual(info.audio?.codec, "aac")
        XCTAssertEqual(info.audio?.sampleRate, 44100)
        let before = try XCTUnwrap(try AudioInfo.fingerprint(path: source))
        let after = try XCTUnwrap(try AudioInfo.fingerprint(path: output))
        XCTAssertGreaterThan(before.packets, 50)
        XCTAssertEqual(after.packets, before.packets)
        XCTAssertEqual(after.crc, before.crc, "audio payload changed: it was re-encoded or cut")
    }

    /// FLAC cannot go into MP4: the writer fails with an error naming the call, leaves no
    /// temporary behind, and does not free the muxer twice (this used to crash).
    func testAudioTheContainerCannotHoldIsAnErrorNotACrash() throws {
        let dir = try TempDirectory()
        let source = dir.file("flac.mkv")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=64x48:rate=25", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                    "-t", "1", "-c:v", "ffv1", "-c:a", "flac", source])
        XCTAssertThrowsError(try VideoWriter(path: dir.file("out.mp4"), width: 64, height: 48,
                                             options: .init(encoding: .h264(crf: 20, preset: "ultrafast"), audioSource: source))) { error in
            XCTAssertTrue(String(describing: error).contains("avformat_write_header"), String(describing: error))
        }
        XCTAssertEqual(dir.contents().sorted(), ["flac.mkv"])
    }

    func testAudioSourceWithoutAudioIsABadInput() throws {
        let dir = try TempDirectory()
        let silent = dir.file("silent.mkv")
        let w = try VideoWriter(path: silent, width: 32, height: 32, options: .init(encoding: .lossless))
        try w.write(Image8(width: 32, height: 32, channels: 3, fill: 9))
        try w.finish()
        XCTAssertThrowsError(try VideoWriter(path: dir.file("out.mp4"), width: 32, height: 32,
                                             options: .init(audioSource: silent))) { error in
            XCTAssertEqual((error as? MediaError)?.kind, .badInput)
        }
        XCTAssertEqual(dir.contents(), ["silent.mkv"], "a failed writer left files behind")
    }
}
