import Foundation
import Media
import Tensor
import TestSupport
import XCTest

/// `nicer faces` on a clip made from the astronaut fixture sliding 2 px right per frame.
final class FacesCLITests: XCTestCase {
    struct Report: Decodable {
        struct Frame: Decodable { let index: Int; let detected: Bool; let smoothed: [[Double]]?; let landmarks: [[Int]]?; let descriptor: [Float]? }
        struct Summary: Decodable { let frames: Int; let framesWithFace: Int; let detectorRuns: Int; let jitterRaw: Double; let jitterSmoothed: Double }
        let frames: [Frame]
        let summary: Summary
    }

    func testTracksLandmarksWritesMasksPreviewAndConfig() throws {
        let dir = try TempDirectory()
        let clip = dir.file("slide.mkv")
        try writeSlidingFaceClip(clip, frames: 12)
        let result = try nicer(["faces", clip, "-o", dir.file("out"), "--every", "4", "--masks"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: dir.file("out/faces.json"))))
        XCTAssertEqual(report.summary.frames, 12)
        XCTAssertEqual(report.summary.framesWithFace, 12)
        XCTAssertEqual(report.summary.detectorRuns, 3)
        XCTAssertEqual(report.frames.filter(\.detected).map(\.index), [0, 4, 8])
        // The face moves 2 px/frame; the smoothed landmarks follow it (within a pixel on average).
        let centroids = report.frames.map { f in f.smoothed!.reduce(0.0) { $0 + $1[0] } / 68 }
        let steps = zip(centroids.dropFirst(), centroids).map { $0 - $1 }
        XCTAssertEqual(steps.reduce(0, +) / Double(steps.count), 2, accuracy: 0.5, "\(steps)")
        XCTAssertLessThanOrEqual(report.summary.jitterSmoothed, report.summary.jitterRaw)
        XCTAssertEqual(report.frames[0].descriptor?.count, 128)
        let masks = try FileManager.default.contentsOfDirectory(atPath: dir.file("out/masks")).sorted()
        XCTAssertEqual(masks.count, 12)
        XCTAssertEqual(masks.first, "000001.png")
        XCTAssertEqual(try VideoInfo.probe(path: dir.file("out/preview.mp4"), countFrames: true).frameCount, 12)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.file("out/faces-config.json")))
    }

    /// compare --faces: a proxy equal to the target is off by nothing; the measures land in faces.json and the page.
    func testCompareMeasuresFaces() throws {
        struct Faces: Decodable {
            struct Video: Decodable { let name: String; let eyeConsistency: Double; let mouthConsistency: Double; let jitter: Double; let identityToPhotos: Double? }
            let framesWithFace: Int; let targetJitter: Double; let videos: [Video]
        }
        let dir = try TempDirectory()
        let clip = dir.file("slide.mkv")
        try writeSlidingFaceClip(clip, frames: 6)
        let result = try nicer(["compare", "--target", clip, "--proxy", "same=\(clip)", "--faces", "--identity", fixturePath("faces/astronaut-rotated.png"),
                                "--flow", "ultrafast", "--out", dir.file("out")])
        XCTAssertEqual(result.status, 0, result.stderr)
        let faces = try JSONDecoder().decode(Faces.self, from: Data(contentsOf: URL(fileURLWithPath: dir.file("out/faces.json"))))
        XCTAssertEqual(faces.framesWithFace, 6)
        XCTAssertEqual(faces.videos.map(\.name), ["same"])
        XCTAssertEqual(faces.videos[0].eyeConsistency, 0)
        XCTAssertEqual(faces.videos[0].mouthConsistency, 0)
        XCTAssertEqual(faces.videos[0].jitter, faces.targetJitter)
        XCTAssertGreaterThan(faces.videos[0].identityToPhotos ?? 0, 0.9)
        XCTAssertTrue(try String(contentsOfFile: dir.file("out/compare.html"), encoding: .utf8).contains("identity consistency"))
    }

    /// refine measures the faces whatever the region came from: here the swap difference (a
    /// brightened face as the proxy), where no landmarks were tracked for the region.
    func testRefineMeasuresFacesWithASwapRegion() throws {
        struct Report: Decodable {
            struct Faces: Decodable {
                struct Video: Decodable { let name: String; let identityVersus: [String: Double] }
                let framesWithFace: Int; let videos: [Video]
            }
            let region: String; let faces: Faces?; let facesSkipped: String?
        }
        let dir = try TempDirectory()
        let clip = dir.file("slide.mkv"), proxy = dir.file("proxy.mkv")
        try writeSlidingFaceClip(clip, frames: 6)
        let reader = try VideoReader(path: clip)
        let writer = try VideoWriter(path: proxy, width: 320, height: 240, options: VideoWriterOptions(encoding: .lossless))
        while var frame = try reader.nextFrame() {
            for y in 60..<180 { for x in 90..<210 { for c in 0..<3 { let i = (y * 320 + x) * 3 + c; frame.pixels[i] = UInt8(min(255, Int(frame.pixels[i]) + 30)) } } }
            try writer.write(frame)
        }
        try writer.finish()
        let result = try nicer(["refine", "--target", clip, "--proxy", proxy, "--mask", "swap", "-o", dir.file("out"), "--epochs", "1",
                                "--features", "pixel", "--size", "64", "--levels", "3", "--width", "8"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: URL(fileURLWithPath: dir.file("out/report.json"))))
        XCTAssertTrue(report.region.contains("swap") || report.region.contains("differ"), report.region)
        XCTAssertNil(report.facesSkipped)
        XCTAssertEqual(report.faces?.framesWithFace, 6)
        XCTAssertEqual(report.faces?.videos.map(\.name), ["proxy", "refined"])
        XCTAssertGreaterThan(report.faces?.videos.last?.identityVersus["proxy"] ?? 0, 0.5)
        // Both against the original's own face (the identity warning's inputs): the proxy is the
        // same face brightened.
        for video in report.faces?.videos ?? [] { XCTAssertGreaterThan(video.identityVersus["target"] ?? 0, 0.5, video.name) }
    }

    func testNoFaceIsBadInputWithNoOutput() throws {
        let dir = try TempDirectory()
        let clip = dir.file("empty.mkv")
        try writeSlidingFaceClip(clip, frames: 3, photo: nil)
        let result = try nicer(["faces", clip, "-o", dir.file("out")])
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.contains("no face"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/faces.json")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("out/preview.mp4")))
        let missing = try nicer(["faces", dir.file("nope.mp4"), "-o", dir.file("out")])
        XCTAssertEqual(missing.status, 3, missing.stderr)
        let usage = try nicer(["faces", clip, "--every", "0"])
        XCTAssertEqual(usage.status, 2)
    }
}
