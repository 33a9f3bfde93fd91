import Foundation
import Media
import TestSupport
import XCTest

/// The 3D prior through the real binary: `nicer fit3d` with the landmark prior and with a FLAME
/// file, and `nicer refine` with the prior's albedo/detail terms on a synth clip's landmarks.
final class Face3DCLITests: XCTestCase {
    struct Fit: Decodable {
        struct Frame: Decodable { let index: Int; let landmarkError: Double; let yaw: Double; let expression: [Double]? }
        let prior: String
        let shape: [Double]
        let frames: [Fit.Frame]
    }

    func synth(_ dir: TempDirectory, frames: Int = 12, size: String = "96x96") throws -> String {
        try synthClip(dir, seed: 3, frames: frames, size: size)
    }

    func testFit3DWithTheLandmarkPriorAndWithFLAME() throws {
        let dir = try TempDirectory()
        let clip = try synth(dir)
        let out = dir.file("fit")
        let run = try nicer(["fit3d", clip + "/target.mkv", "--landmarks", clip + "/landmarks.json", "-o", out])
        XCTAssertEqual(run.status, 0, run.stderr)
        let fit = try JSONDecoder().decode(Fit.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/fit3d.json")))
        XCTAssertTrue(fit.prior.hasPrefix("landmark prior") && fit.prior.contains("not FLAME"), fit.prior)
        XCTAssertEqual(fit.frames.count, 12)
        XCTAssertEqual(fit.shape.count, 68 * 3)
        // The synthetic face is flat and frontal: the posed 3D landmarks land within a few pixels.
        XCTAssertLessThan(fit.frames.map(\.landmarkError).max()!, 4)
        XCTAssertEqual(try VideoInfo.probe(path: out + "/overlay.mp4", countFrames: true).frameCount, 12)

        // FLAME (the synthetic model in FLAME's pickle structure) through the environment variables.
        let flameOut = dir.file("fit-flame")
        let flame = try runProcess(try nicerPath(), ["fit3d", clip + "/target.mkv", "--landmarks", clip + "/landmarks.json", "-o", flameOut],
                                   environment: ["NICER_FLAME": fixturePath("flame/synthetic_flame.pkl"),
                                                 "NICER_FLAME_EMBEDDING": fixturePath("flame/synthetic_embedding.pkl")])
        XCTAssertEqual(flame.status, 0, flame.stderr)
        let flameFit = try JSONDecoder().decode(Fit.self, from: Data(contentsOf: URL(fileURLWithPath: flameOut + "/fit3d.json")))
        XCTAssertTrue(flameFit.prior.hasPrefix("FLAME"), flameFit.prior)
        XCTAssertEqual(flameFit.shape.count, 10)
        XCTAssertEqual(flameFit.frames.first?.expression?.count, 50)
    }

    func testHostileFLAMEFileIsRejectedWithoutOutput() throws {
        let dir = try TempDirectory()
        let clip = try synth(dir, frames: 4)
        let hostile = dir.file("generic_model.pkl")
        try Data([0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x55, 0x02] + Array("id".utf8) + [0x85, 0x52, 0x2E])
            .write(to: URL(fileURLWithPath: hostile))
        let out = dir.file("fit")
        let run = try nicer(["fit3d", clip + "/target.mkv", "--landmarks", clip + "/landmarks.json", "-o", out,
                             "--flame", hostile, "--flame-embedding", fixturePath("flame/synthetic_embedding.pkl")])
        XCTAssertEqual(run.status, 3, "bad input")
        XCTAssertTrue(run.stderr.contains("global os.system is not allowed"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "nothing is written for a rejected model")
    }

    func testRefineAddsTheLandmarkPriorsTermsAndSaysWhichPriorRan() throws {
        struct Report: Decodable {
            struct Segment: Decodable { struct Epoch: Decodable { let priorTerms: [String: Double]?; let priorBalance: Double?; let correction: Double? }; let curve: [Epoch] }
            let prior: String
            let region: String
            let segments: [Segment]
        }
        let dir = try TempDirectory()
        let clip = try synth(dir, frames: 8, size: "64x64")
        let small = ["--size", "64", "--levels", "3", "--width", "8", "--features", "pixel", "--epochs", "2", "--fixed-epochs"]
        let out = dir.file("out")
        let run = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "--landmarks", clip + "/landmarks.json",
                             "-o", out] + small)
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
        XCTAssertTrue(report.prior.hasPrefix("landmark prior"), report.prior)
        XCTAssertFalse(report.prior.contains("FLAME") && !report.prior.contains("not FLAME"))
        XCTAssertTrue(report.region.contains("landmarks.json"), report.region)
        let terms = try XCTUnwrap(report.segments[0].curve.last?.priorTerms)
        XCTAssertGreaterThan(terms["albedo"] ?? 0, 0)
        XCTAssertNotNil(terms["detail"])
        XCTAssertNotNil(terms["shape"])
        XCTAssertGreaterThan(report.segments[0].curve.last?.priorBalance ?? 0, 0, "the factor the prior entered the loss with")
        // Two epochs of this tiny fit move the 8-bit crop by less than a level, so only its presence is checked.
        let correction = try XCTUnwrap(report.segments[0].curve.last?.correction)
        XCTAssertTrue(correction >= 0 && correction.isFinite, "\(correction)")

        // Identity photos with their landmarks (the detector does not reliably find synthetic
        // faces): the shape term gets its reference and the report scores identity to the photos.
        let withPhotos = dir.file("out-photos")
        let photos = try nicer(["synth", dir.file("photos"), "--seed", "3", "--frames", "8", "--size", "64x64", "--identity-photos", "2", "--quiet"])
        XCTAssertEqual(photos.status, 0, photos.stderr)
        let photoRun = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "--landmarks", clip + "/landmarks.json",
                                  "--identity", dir.file("photos/identity/photo-01.png"), "--identity", dir.file("photos/identity/photo-02.png"),
                                  "--identity-landmarks", dir.file("photos/identity/landmarks.json"), "-o", withPhotos] + small)
        XCTAssertEqual(photoRun.status, 0, photoRun.stderr)
        struct PhotoReport: Decodable {
            struct Faces: Decodable { struct Video: Decodable { let name: String; let identityToPhotos: Double? }; let videos: [Video] }
            let shapeDistance: Double?
            let faces: Faces?
            let facesSkipped: String?
        }
        let photoReport = try JSONDecoder().decode(PhotoReport.self, from: Data(contentsOf: URL(fileURLWithPath: withPhotos + "/report.json")))
        XCTAssertNil(photoReport.facesSkipped)
        XCTAssertNotNil(photoReport.shapeDistance)
        XCTAssertEqual(photoReport.faces?.videos.filter { $0.identityToPhotos != nil }.map(\.name).sorted(), ["proxy", "refined"])

        // FLAME (the synthetic model) instead: named in the report, its terms in the curve.
        let flameOut = dir.file("out-flame")
        let flame = try runProcess(try nicerPath(), ["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv",
                                                     "--landmarks", clip + "/landmarks.json", "-o", flameOut,
                                                     "--flame", fixturePath("flame/synthetic_flame.pkl")] + small,
                                   environment: ["NICER_FLAME_EMBEDDING": fixturePath("flame/synthetic_embedding.pkl")])
        XCTAssertEqual(flame.status, 0, flame.stderr)
        let flameReport = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: flameOut + "/report.json")))
        XCTAssertTrue(flameReport.prior.hasPrefix("FLAME (synthetic_flame.pkl"), flameReport.prior)
        XCTAssertGreaterThan(flameReport.segments[0].curve.last?.priorTerms?["albedo"] ?? 0, 0)

        // --prior flame without a model: a clear error, nothing written.
        let missing = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "--landmarks", clip + "/landmarks.json",
                                 "-o", dir.file("out2"), "--prior", "flame"] + small)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("--flame"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out2/report.json")))

        // FLAME with its texture layout and an albedo space: the albedo term runs in that space.
        let flameFiles = ["--flame", fixturePath("flame/synthetic_flame.pkl"), "--flame-embedding", fixturePath("flame/synthetic_embedding.pkl")]
        let basisOut = dir.file("out-basis")
        let basis = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "--landmarks", clip + "/landmarks.json",
                               "-o", basisOut, "--flame-uv", fixturePath("flame/synthetic_uv.obj"),
                               "--flame-albedo", fixturePath("flame/synthetic_albedo.npz"), "--texture-size", "32"] + flameFiles + small)
        XCTAssertEqual(basis.status, 0, basis.stderr)
        let basisReport = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: basisOut + "/report.json")))
        XCTAssertTrue(basisReport.prior.contains("FLAME UV layout, albedo basis synthetic_albedo.npz, 6 components"), basisReport.prior)
        XCTAssertGreaterThan(basisReport.segments[0].curve.last?.priorTerms?["albedo"] ?? 0, 0)

        // An albedo space without the layout, or a compressed one: clear errors before any output.
        for (extra, expected) in [(["--flame-albedo", fixturePath("flame/synthetic_albedo.npz")], "--flame-uv"),
                                  (["--flame-uv", fixturePath("flame/synthetic_uv.obj"), "--flame-albedo", fixturePath("flame/compressed.npz")], "np.savez")] {
            let bad = dir.file("out-bad")
            let run = try nicer(["refine", "--target", clip + "/target.mkv", "--proxy", clip + "/proxy.mkv", "--landmarks", clip + "/landmarks.json",
                                 "-o", bad] + extra + flameFiles + small)
            XCTAssertNotEqual(run.status, 0)
            XCTAssertTrue(run.stderr.contains(expected), run.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: bad), "nothing is written")
        }
    }
}
