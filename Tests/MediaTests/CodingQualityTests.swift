import Media
import Synth
import Tensor
import TestSupport
import XCTest

/// `VideoInfo.coding`: the quantisers FFmpeg's decoder reports, against the CRF the ffmpeg tool's
/// own x264 was given (an encoder nicer does not drive here).
final class CodingQualityTests: XCTestCase {
    func testTheQuantisersOfAnH264FileFollowTheCRFItWasCodedAt() throws {
        let dir = try TempDirectory()
        let renderer = try TestBedRenderer(config: TestBedConfig(seed: 5, frames: 24, width: 128, height: 96))
        let source = dir.file("source.mkv")
        let writer = try VideoWriter(path: source, width: 128, height: 96, options: .init(encoding: .lossless, fps: Rational(25, 1)))
        for t in 0..<24 { try writer.write(renderer.render(frame: t).proxy) }
        try writer.finish()
        XCTAssertNil(try VideoInfo.probe(path: source, countFrames: true).coding, "FFV1 exports no quantisers")

        var estimates: [Int: Double] = [:]
        for crf in [6, 14, 24] {
            let path = dir.file("crf\(crf).mp4")
            try ffmpeg(["-i", source, "-c:v", "libx264", "-crf", "\(crf)", "-pix_fmt", "yuv420p", path])
            let coding = try XCTUnwrap(try VideoInfo.probe(path: path, countFrames: true).coding, "crf \(crf)")
            XCTAssertEqual(coding.codec, "h264")
            XCTAssertEqual(coding.frames, 24)
            XCTAssertNotNil(coding.meanQuantiserByType["P"], "\(coding)")
            estimates[crf] = try XCTUnwrap(coding.equivalentCRF)
            // x264's P frames sit near the CRF's quantiser; how near depends on the content.
            XCTAssertEqual(estimates[crf]!, Double(crf), accuracy: 3, "crf \(crf): \(coding)")
        }
        XCTAssertLessThan(estimates[6]!, estimates[14]!)
        XCTAssertLessThan(estimates[14]!, estimates[24]!)
        // Without --count-frames nothing is decoded, so nothing is known.
        XCTAssertNil(try VideoInfo.probe(path: dir.file("crf14.mp4")).coding)
    }
}
