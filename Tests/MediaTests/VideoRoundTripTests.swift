import Media
import Synth
import Tensor
import TestSupport
import XCTest

/// Synthetic frames (the test bed's target video) written and read back through FFmpeg.
final class VideoRoundTripTests: XCTestCase {
    func frames(count: Int, width: Int, height: Int, seed: UInt64 = 3) throws -> [Image8] {
        let renderer = try TestBedRenderer(config: TestBedConfig(seed: seed, frames: count, width: width, height: height))
        return (0..<count).map { renderer.render(frame: $0).target }
    }

    func write(_ frames: [Image8], to path: String, options: VideoWriterOptions) throws {
        let writer = try VideoWriter(path: path, width: frames[0].width, height: frames[0].height, options: options)
        for f in frames { try writer.write(f) }
        try writer.finish()
    }

    func readAll(_ path: String) throws -> [Image8] {
        let reader = try VideoReader(path: path)
        var out: [Image8] = []
        while let f = try reader.nextFrame() { out.append(f) }
        return out
    }

    func testLosslessRoundTripIsBitExactIncludingOddSizes() throws {
        let dir = try TempDirectory()
        for (w, h) in [(64, 48), (65, 37)] {
            let original = try frames(count: 6, width: w, height: h)
            let path = dir.file("lossless-\(w)x\(h).mkv")
            try write(original, to: path, options: .init(encoding: .lossless, fps: Rational(25, 1)))
            let decoded = try readAll(path)
            XCTAssertEqual(decoded.count, original.count)
            for (a, b) in zip(original, decoded) { XCTAssertEqual(a, b, "\(w)x\(h) not bit-exact") }
        }
    }

    func testReadAheadGivesTheSameFramesInOrderThenStaysAtTheEnd() throws {
        let dir = try TempDirectory()
        let original = try frames(count: 7, width: 64, height: 48)
        let path = dir.file("read-ahead.mkv")
        try write(original, to: path, options: .init(encoding: .lossless, fps: Rational(25, 1)))
        let reader = try ReadAheadReader(path: path)
        XCTAssertEqual(reader.info.width, 64)
        var decoded: [Image8] = []
        while let f = try reader.nextFrame() { decoded.append(f) }
        XCTAssertEqual(decoded, original)
        XCTAssertNil(try reader.nextFrame())
        XCTAssertThrowsError(try ReadAheadReader(path: dir.file("missing.mp4")))
    }

    /// swscale converts whole SIMD vectors and writes past the end of a row; decoding into a
    /// packed array overran it by 8 bytes on 556-wide yuv420p (a DeepFaceLive clip) and corrupted
    /// the heap. Many frames of such widths, decoded and encoded again, must leave it intact.
    func testWidthsThatAreNoVectorMultipleRoundTripWithoutOverrunningTheFrame() throws {
        let dir = try TempDirectory()
        for (w, h) in [(556, 280), (70, 38), (398, 304)] {
            let original = try frames(count: 24, width: w, height: h)
            let path = dir.file("h264-\(w)x\(h).mp4")
            try write(original, to: path, options: .init(encoding: .h264(crf: 18, preset: "ultrafast"), fps: Rational(25, 1)))
            for _ in 0..<3 {
                let decoded = try readAll(path)
                XCTAssertEqual(decoded.count, original.count)
                for (a, b) in zip(original, decoded) { XCTAssertGreaterThan(psnr(a, b), 30, "\(w)x\(h)") }
            }
        }
    }

    func testH264AtCRF18KeepsEveryFrameAbove40dB() throws {
        let dir = try TempDirectory()
        let original = try frames(count: 50, width: 256, height: 256)
        let path = dir.file("crf18.mp4")
        try write(original, to: path, options: .init(encoding: .h264(crf: 18, preset: "medium"), fps: Rational(25, 1)))
        let decoded = try readAll(path)
        // All 50: x264's zero packet duration would otherwise cost the last frame in mp4.
        XCTAssertEqual(decoded.count, 50)
        let mean = zip(original, decoded).map { psnr($0, $1) }.reduce(0, +) / Double(decoded.count)
        print(String(format: "H.264 CRF 18 round trip of 50 synthetic 256² frames: mean RGB PSNR %.2f dB", mean))
        XCTAssertGreaterThanOrEqual(mean, 40, "mean PSNR \(mean) dB")
    }

    func testOddSizedH264KeepsItsSize() throws {
        let dir = try TempDirectory()
        let original = try frames(count: 5, width: 75, height: 41)
        let path = dir.file("odd.mp4")
        try write(original, to: path, options: .init(encoding: .h264(crf: 18, preset: "fast"), fps: Rational(25, 1)))
        let reader = try VideoReader(path: path)
        XCTAssertEqual(reader.info.width, 75)
        XCTAssertEqual(reader.info.height, 41)
        let decoded = try readAll(path)
        XCTAssertEqual(decoded.count, 5)
        XCTAssertGreaterThan(psnr(original[2], decoded[2]), 35)
    }

    func testFrameRateTimeBaseAndRotationSurvive() throws {
        let dir = try TempDirectory()
        let path = dir.file("ntsc.mp4")
        try write(try frames(count: 4, width: 64, height: 64),
                  to: path, options: .init(encoding: .h264(crf: 23, preset: "ultrafast"), fps: Rational(30000, 1001),
                                           rotation: 90))
        let info = try VideoInfo.probe(path: path, countFrames: true)
        XCTAssertEqual(info.fps, Rational(30000, 1001))
        XCTAssertEqual(info.rotation, 90, accuracy: 1e-6)
        XCTAssertEqual(info.frameCount, 4)
        XCTAssertEqual(info.frameCountSource, .decoded)
        XCTAssertFalse(info.hasAudio)
    }

    func testMatroskaWithoutFrameCountIsCountedByDecoding() throws {
        let dir = try TempDirectory()
        let path = dir.file("count.mkv")
        try write(try frames(count: 7, width: 32, height: 32), to: path, options: .init(encoding: .lossless))
        let header = try VideoReader(path: path).info
        XCTAssertNotEqual(header.frameCountSource, .container, "mkv stores no frame count")
        let probed = try VideoInfo.probe(path: path)
        XCTAssertEqual(probed.frameCount, 7)
        XCTAssertEqual(probed.frameCountSource, .decoded)
    }

    func testPlanarFramesMatchTheBytes() throws {
        let dir = try TempDirectory()
        let original = try frames(count: 2, width: 32, height: 32)
        let path = dir.file("planar.mkv")
        try write(original, to: path, options: .init(encoding: .lossless))
        let reader = try VideoReader(path: path)
        let planar = try XCTUnwrap(try reader.nextPlanarFrame())
        XCTAssertEqual(planar.channels, 3)
        XCTAssertEqual(planar[x: 5, y: 7, c: 1], Float(original[0][x: 5, y: 7, c: 1]) / 255, accuracy: 1e-6)
    }

    func testPNGSequenceWritesNumberedExactFrames() throws {
        let dir = try TempDirectory()
        let original = try frames(count: 3, width: 40, height: 32)
        let folder = dir.file("seq")
        try write(original, to: folder, options: .init(encoding: .pngSequence))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(),
                       ["000000.png", "000001.png", "000002.png"])
        XCTAssertEqual(try PNG.read(folder + "/000002.png"), .eightBit(original[2]))
    }
}

/// Display rotation: frames come out upright, as the ffmpeg tool shows them. The tool makes the
/// tagged clips (a 48×32 test pattern, lossless 4:4:4 H.264) and the upright first frames here.
final class RotationTests: XCTestCase {
    func maxDifference(_ a: Image8, _ b: Image8) -> Int {
        guard a.width == b.width, a.height == b.height else { return 255 }
        return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    func testRotatedStreamsAreReadUprightAsFFmpegShowsThem() throws {
        let dir = try TempDirectory()
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=size=48x32:rate=25", "-frames:v", "2", "-c:v", "libx264", "-qp", "0",
                    "-pix_fmt", "yuv444p", dir.file("stored.mp4")])
        try ffmpeg(["-i", dir.file("stored.mp4"), "-frames:v", "1", "-pix_fmt", "rgb24", dir.file("stored.png")])
        let stored = try PNG.read(dir.file("stored.png")).image8
        for rotate in [90, 180, 270] {
            let clip = dir.file("rotate\(rotate).mp4"), upright = dir.file("rotate\(rotate).png")
            try ffmpeg(["-i", dir.file("stored.mp4"), "-c", "copy", "-metadata:s:v", "rotate=\(rotate)", clip])
            try ffmpeg(["-i", clip, "-frames:v", "1", "-pix_fmt", "rgb24", upright])  // the tool turns frames upright
            let reader = try VideoReader(path: clip)
            let expected = try PNG.read(upright).image8
            XCTAssertEqual([reader.info.width, reader.info.height], [expected.width, expected.height], "rotate=\(rotate)")
            let frame = try XCTUnwrap(try reader.nextFrame())
            XCTAssertLessThanOrEqual(maxDifference(frame, expected), 3, "rotate=\(rotate)")
            // The pattern is not symmetric: the frame as stored would not pass.
            XCTAssertGreaterThan(maxDifference(stored, expected), 100, "rotate=\(rotate)")
            XCTAssertNotNil(try reader.nextFrame(), "second frame")
            // Asked for twice the size, it is the upright frame scaled (bicubic).
            let doubled = try XCTUnwrap(try VideoReader(path: clip,
                                                        size: (2 * expected.width, 2 * expected.height)).nextFrame())
            XCTAssertEqual([doubled.width, doubled.height], [2 * expected.width, 2 * expected.height])
            var error = 0.0
            for y in 0..<expected.height { for x in 0..<expected.width { for c in 0..<3 {
                let d = Double(doubled[x: 2 * x, y: 2 * y, c: c]) - Double(expected[x: x, y: y, c: c])
                error += d * d
            } } }
            XCTAssertLessThan((error / Double(expected.pixels.count)).squareRoot(), 30, "rotate=\(rotate): scaled frame is the upright one")
        }
    }

    func testQuarterTurns() {
        XCTAssertEqual(VideoReader.quarterTurns(rotation: 0), 0)
        XCTAssertEqual(VideoReader.quarterTurns(rotation: 90), 1)
        XCTAssertEqual(VideoReader.quarterTurns(rotation: -90), 3)
        XCTAssertEqual(VideoReader.quarterTurns(rotation: -180), 2)
        XCTAssertEqual(VideoReader.quarterTurns(rotation: 270.0000001), 3)
        XCTAssertNil(VideoReader.quarterTurns(rotation: 45))
    }
}
