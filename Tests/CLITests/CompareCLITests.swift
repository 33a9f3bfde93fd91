import Foundation
import Media
import Tensor
import TestSupport
import XCTest

final class CompareCLITests: XCTestCase {
    /// Three proxies of one target with increasing fault strength rank in that order, and the
    /// reports are written: JSON with the catalogue's description, CSV per frame, self-contained HTML.
    func testCompareRanksIncreasingFaultsAndWritesReports() throws {
        let dir = try TempDirectory()
        for scale in ["0.5", "1", "2"] {
            let run = try nicer(["synth", dir.file("s\(scale)"), "--seed", "9", "--frames", "10", "--size", "96x96",
                                 "--fault-scale", scale, "--quiet"])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let out = dir.file("report")
        let result = try nicer(["compare", "--target", dir.file("s1/target.mp4"),
                                "--proxy", "strong=" + dir.file("s2/proxy.mp4"),
                                "--proxy", "DeepFakes=" + dir.file("s1/proxy.mp4"),
                                "--proxy", "mild=" + dir.file("s0.5/proxy.mp4"),
                                "--mask", dir.file("s1/masks"), "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/compare.json"))) as? [String: Any])
        XCTAssertEqual(report["ranking"] as? [String], ["mild", "DeepFakes", "strong"])
        let proxies = try XCTUnwrap(report["proxies"] as? [[String: Any]])
        let deepfakes = try XCTUnwrap(proxies.first { $0["name"] as? String == "DeepFakes" })
        XCTAssertEqual((deepfakes["source"] as? [String: Any])?["year"] as? Int, 2017)
        XCTAssertNil(proxies.first { $0["name"] as? String == "mild" }?["source"])
        let csv = try String(contentsOfFile: out + "/compare.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("frame,strong,DeepFakes,mild\n1,"), csv)
        XCTAssertEqual(csv.split(separator: "\n").count, 10)
        let html = try String(contentsOfFile: out + "/compare.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg") && html.contains("<polyline") && html.contains("data:image/png;base64,"))
        XCTAssertFalse(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"),
                       "the page must not fetch anything")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/config.json"))
    }

    /// `--align`: a proxy written at twice the rate (every frame twice), also giving the mask,
    /// scores exactly as the original does; without `--align` its rate is refused.
    func testAlignScoresAProxyAtAnotherRateOnTheTargetFrames() throws {
        let dir = try TempDirectory()
        let run = try nicer(["synth", dir.file("s"), "--seed", "4", "--frames", "8", "--size", "80x80", "--lossless", "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let reader = try VideoReader(path: dir.file("s/proxy.mkv"))
        let writer = try VideoWriter(path: dir.file("double.mkv"), width: reader.info.width, height: reader.info.height,
                                     options: .init(encoding: .lossless, fps: Rational(reader.info.fps.num * 2, reader.info.fps.den)))
        while let frame = try reader.nextFrame() { try writer.write(frame); try writer.write(frame) }
        try writer.finish()
        func score(_ proxy: String, _ extra: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
            let r = try nicer(["compare", "--target", dir.file("s/target.mkv"), "--proxy", "p=" + proxy, "--mask-from", "p"] + extra)
            return (r.status, r.stdout, r.stderr)
        }
        let refused = try score(dir.file("double.mkv"), [])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("frame rate"), refused.stderr)
        let original = try score(dir.file("s/proxy.mkv"), []), aligned = try score(dir.file("double.mkv"), ["--align"])
        XCTAssertEqual(aligned.status, 0, aligned.stderr)
        XCTAssertTrue(original.stdout.contains("e_stab"), original.stdout)
        XCTAssertEqual(aligned.stdout, original.stdout)
    }

    /// Identity similarity on synthetic faces (which dlib's detector does not reliably find): the
    /// clip's and the photos' true landmarks place the chips, and the score tells the source
    /// identity (gt, and the faulty proxy) from the target's own face.
    func testIdentityToSynthPhotosPlacedByGivenLandmarks() throws {
        let dir = try TempDirectory()
        let clip = dir.file("clip")
        let synth = try nicer(["synth", clip, "--seed", "3", "--frames", "10", "--size", "192x192", "--identity-photos", "2", "--quiet"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let photos = ["--identity", clip + "/identity/photo-01.png", "--identity", clip + "/identity/photo-02.png"]
        let common = ["compare", "--target", clip + "/target.mp4", "--mask", clip + "/masks", "--proxy", "gt=" + clip + "/gt.mp4",
                      "--proxy", "proxy=" + clip + "/proxy.mp4", "--proxy", "target=" + clip + "/target.mp4", "--faces",
                      "--landmarks", clip + "/landmarks.json"] + photos
        let out = dir.file("report")
        let run = try nicer(common + ["--identity-landmarks", clip + "/identity/landmarks.json", "--out", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        struct Faces: Decodable { struct Video: Decodable { let name: String; let identityToPhotos: Double? }; let framesWithFace: Int; let videos: [Video] }
        let faces = try JSONDecoder().decode(Faces.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/faces.json")))
        XCTAssertEqual(faces.framesWithFace, 10)
        func score(_ name: String) throws -> Double { try XCTUnwrap(faces.videos.first { $0.name == name }?.identityToPhotos) }
        XCTAssertGreaterThan(try score("gt"), try score("target") + 0.005)
        XCTAssertGreaterThan(try score("proxy"), try score("target"))

        // Landmarks for another number of photos: a clear error before any scoring or output.
        let bad = dir.file("bad")
        let mismatch = try nicer(common + ["--identity", clip + "/identity/photo-01.png",
                                           "--identity-landmarks", clip + "/identity/landmarks.json", "--out", bad])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.stderr.contains("landmarks for 2 photos, but 3 identity photos given"), mismatch.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: bad))
    }

    func testBadProxySpecsAreUsageErrors() throws {
        for args in [["--proxy", "noequals"], ["--proxy", "a=x", "--proxy", "a=y"], [], ["--proxy", "a=x", "--mask-from", "b"]] {
            let result = try nicer(["compare", "--target", "t.mp4"] + args)
            XCTAssertEqual(result.status, 2, "\(args): \(result.stderr)")
        }
    }
}
