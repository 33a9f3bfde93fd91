import Media
import Synth
import Tensor
import TestSupport
import XCTest

/// Time-based frame alignment (`refine --align`): which proxy frame goes with each target frame.
final class FrameAlignmentTests: XCTestCase {
    func testSameTimelineIsTheIdentity() {
        let times = (0..<10).map { Double($0) / 25 }
        XCTAssertEqual(FrameAlignment.nearestFrames(reference: times, source: times), Array(0..<10))
    }

    func testHigherRateSourceGivesTheNearestFrameAndEndsTogether() {
        // 25 fps target, 30 fps source of 20 frames (0.633 s, shown until 0.667 s).
        let target = (0..<30).map { Double($0) / 25 }, source = (0..<20).map { Double($0) / 30 }
        let map = FrameAlignment.nearestFrames(reference: target, source: source)
        // Nearest by hand: round(k · 30/25) (no ties at this ratio); 17 target frames (0…0.64 s) fall within.
        XCTAssertEqual(map, (0..<17).map { Int((Double($0) * 30 / 25).rounded()) })
        XCTAssertEqual(map.last, 19)
    }

    func testDroppedFramesRepeatTheNearestNeighbour() {
        // The source lost the frames at 0.08 s and 0.28 s but kept the others' timestamps.
        let target = (0..<10).map { Double($0) / 25 }
        let source = target.enumerated().filter { $0.offset != 2 && $0.offset != 7 }.map(\.element)
        // A tie (0.08 s is as far from 0.04 as from 0.12) goes to the earlier frame.
        XCTAssertEqual(FrameAlignment.nearestFrames(reference: target, source: source), [0, 1, 1, 2, 3, 4, 5, 5, 6, 7])
    }

    func testShorterReferenceAndDuplicatedSourceFrames() {
        // 50 fps source with every frame twice: the even frames line up with a 25 fps target.
        let target = (0..<6).map { Double($0) / 25 }, source = (0..<20).map { Double($0) / 50 }
        XCTAssertEqual(FrameAlignment.nearestFrames(reference: target, source: source), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(FrameAlignment.nearestFrames(reference: target, source: [0]), [0])
        XCTAssertEqual(FrameAlignment.nearestFrames(reference: target, source: []), [])
    }

    func testFrameTimesAndMappedReaderOnAFileAtTwiceTheRate() throws {
        let dir = try TempDirectory()
        let renderer = try TestBedRenderer(config: TestBedConfig(seed: 2, frames: 5, width: 48, height: 40))
        let frames = (0..<5).map { renderer.render(frame: $0).target }
        let path = dir.file("double.mkv")
        let writer = try VideoWriter(path: path, width: 48, height: 40, options: .init(encoding: .lossless, fps: Rational(50, 1)))
        for f in frames { try writer.write(f); try writer.write(f) }
        try writer.finish()

        let times = try VideoInfo.probeWithFrameTimes(path: path).times
        XCTAssertEqual(times.count, 10)
        XCTAssertEqual(try VideoInfo.probe(path: path, countFrames: true).variableRate, false)
        for (k, t) in times.enumerated() { XCTAssertEqual(t, Double(k) / 50, accuracy: 1e-9) }

        let map = FrameAlignment.nearestFrames(reference: (0..<5).map { Double($0) / 25 }, source: times)
        XCTAssertEqual(map, [0, 2, 4, 6, 8])
        let mapped = try MappedReader(path: path, frames: map + [8])
        for k in 0..<6 { XCTAssertEqual(try mapped.nextFrame(), frames[min(k, 4)], "mapped frame \(k)") }
        XCTAssertNil(try mapped.nextFrame())
        // Handed out at another size: scaled (bicubic), close to the original after a round trip.
        let small = try MappedReader(path: path, frames: [0], size: (24, 20))
        let scaled = try XCTUnwrap(try small.nextFrame())
        XCTAssertEqual([scaled.width, scaled.height], [24, 20])
        let back = try XCTUnwrap(try VideoReader(path: path, size: (96, 80)).nextFrame())
        XCTAssertEqual([back.width, back.height], [96, 80])
        // A map past the file's end says which frame was missing.
        let beyond = try MappedReader(path: path, frames: [0, 12])
        _ = try beyond.nextFrame()
        XCTAssertThrowsError(try beyond.nextFrame()) { XCTAssertTrue("\($0)".contains("frame 12"), "\($0)") }
    }

    /// Frames written with their own times (a variable-rate clip) read back at those times, in
    /// MP4 (H.264) and Matroska (FFV1).
    func testFramesWrittenWithTheirOwnTimesKeepThem() throws {
        let dir = try TempDirectory()
        let renderer = try TestBedRenderer(config: TestBedConfig(seed: 3, frames: 6, width: 48, height: 32))
        let times = [0, 0.04, 0.12, 0.16, 0.2, 0.32]
        for (name, encoding) in [("vfr.mp4", VideoWriterOptions.Encoding.h264(crf: 18, preset: "ultrafast")), ("vfr.mkv", .lossless)] {
            let path = dir.file(name)
            let writer = try VideoWriter(path: path, width: 48, height: 32,
                                         options: .init(encoding: encoding, fps: Rational(25, 1), timeBase: Rational(1, 12800)))
            for (k, t) in times.enumerated() { try writer.write(renderer.render(frame: k).target, at: t) }
            try writer.finish()
            let read = try VideoInfo.probeWithFrameTimes(path: path).times
            XCTAssertEqual(read.count, times.count, name)
            for (a, b) in zip(read, times) { XCTAssertEqual(a, b, accuracy: 1e-3, name) }
            XCTAssertEqual(try VideoInfo.probe(path: path, countFrames: true).variableRate, true, name)
        }
    }
}
