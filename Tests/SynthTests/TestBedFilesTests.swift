import Foundation
import Media
import Synth
import Tensor
import TestSupport
import XCTest

/// The written clip: determinism of the files and a manifest that matches the decoded frames.
final class TestBedFilesTests: XCTestCase {
    let small = TestBedConfig(seed: 11, frames: 10, width: 64, height: 64,
                              faults: FaultStrengths(pump: 0.08, jitter: 2, mouth: 0.3, eyes: 2, blocks: 0.3))

    func fileBytes(_ folder: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue { out[name] = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)) }
        }
        return out
    }

    func testSameSeedWritesIdenticalFilesInBothEncodings() throws {
        let dir = try TempDirectory()
        for encoding in TestBed.Encoding.allCases {
            try TestBed.generate(config: small, encoding: encoding, into: dir.file("\(encoding)-a"))
            try TestBed.generate(config: small, encoding: encoding, into: dir.file("\(encoding)-b"))
            let a = try fileBytes(dir.file("\(encoding)-a")), b = try fileBytes(dir.file("\(encoding)-b"))
            XCTAssertEqual(a.keys.sorted(), b.keys.sorted())
            XCTAssertEqual(a.count, 3 + 10 + 2, "three videos, ten masks, manifest and landmarks: \(a.keys.sorted())")
            // The drawn face's landmarks: 68 per frame, inside the frame's face box.
            let track = try JSONDecoder().decode(LandmarkTrack.self, from: Data(contentsOf: URL(fileURLWithPath: dir.file("\(encoding)-a/landmarks.json"))))
            let manifest = try Manifest.load(from: dir.file("\(encoding)-a/manifest.json"))
            XCTAssertEqual(track.frames.count, 10)
            for (points, record) in zip(track.frames, manifest.frames) {
                XCTAssertEqual(points?.count, 68)
                let box = record.faceBox
                for p in points ?? [] {
                    XCTAssertTrue(Double(box[0]) - 2 <= p[0] && p[0] <= Double(box[2]) + 2 && Double(box[1]) - 2 <= p[1] && p[1] <= Double(box[3]) + 2,
                                  "\(p) outside \(box)")
                }
            }
            for (name, bytes) in a { XCTAssertEqual(bytes, b[name], "\(encoding): \(name) differs between runs") }
        }
        XCTAssertEqual(dir.contents().filter { $0.hasPrefix(".") }, [], "staging folders left behind")
    }

    func testManifestMatchesWhatTheLosslessFramesShow() throws {
        let dir = try TempDirectory()
        let folder = dir.file("clip")
        let manifest = try TestBed.generate(config: small, encoding: .lossless, into: folder)
        XCTAssertEqual(try Manifest.load(from: folder + "/manifest.json"), manifest)
        let gt = try VideoReader(path: folder + "/" + manifest.files.gt)
        let proxy = try VideoReader(path: folder + "/" + manifest.files.proxy)
        XCTAssertEqual(gt.info.fps, Rational(25, 1))
        var clean = 0, faulty = 0
        for record in manifest.frames {
            let g = try XCTUnwrap(try gt.nextFrame()), p = try XCTUnwrap(try proxy.nextFrame())
            var outside = 0, changed = 0
            for y in 0..<64 {
                for x in 0..<64 where (0..<3).contains(where: { g[x: x, y: y, c: $0] != p[x: x, y: y, c: $0] }) {
                    changed += 1
                    if !record.regions.contains(where: { x >= $0.box[0] && x < $0.box[2] && y >= $0.box[1] && y < $0.box[3] }) {
                        outside += 1
                    }
                }
            }
            XCTAssertEqual(outside, 0, "frame \(record.index): changes outside the recorded regions")
            if record.regions.isEmpty { XCTAssertEqual(changed, 0); clean += 1 } else { faulty += 1 }
            if let block = record.block {
                // Inside an outlier block the proxy is garbage, not the face.
                let x = block[0] + block[2] / 2, y = block[1] + block[3] / 2
                XCTAssertTrue((0..<3).contains { g[x: x, y: y, c: $0] != p[x: x, y: y, c: $0] }, "block not visible")
            }
            let mask = try PNG.read(folder + String(format: "/masks/%06d.png", record.index)).image8
            XCTAssertEqual(mask.channels, 1)
            XCTAssertGreaterThan(mask.pixels.filter { $0 == 255 }.count, 100, "mask must cover the face")
        }
        XCTAssertGreaterThan(faulty, 0)
        XCTAssertNil(try gt.nextFrame(), "more frames than the manifest lists")
        _ = clean
    }

    /// `--identity-photos`: the source identity's face (the gt's skin, not the target's) in poses
    /// of their own, with landmarks that sit on the drawn face.
    func testIdentityPhotosShowTheSourceFaceAtTheirLandmarks() throws {
        let dir = try TempDirectory()
        var config = small
        (config.width, config.height, config.identityPhotos) = (96, 96, 2)
        let manifest = try TestBed.generate(config: config, encoding: .lossless, into: dir.file("clip"))
        XCTAssertEqual(manifest.files.identity, ["identity/photo-01.png", "identity/photo-02.png"])
        let track = try JSONDecoder().decode(LandmarkTrack.self, from: Data(contentsOf: URL(fileURLWithPath: dir.file("clip/identity/landmarks.json"))))
        XCTAssertEqual(track.frames.map { $0?.count }, [68, 68])
        let renderer = try TestBedRenderer(config: config)
        let frame = renderer.render(frame: 0), clipPoints = frame.record.pose.landmarks68()
        // Mean colour of a 5×5 patch on the cheek, between the nose tip (30) and the jaw (3).
        func cheek(_ image: Image8, _ p: [SIMD2<Double>]) -> SIMD3<Double> {
            let c = (p[30] + p[3]) / 2
            var sum = SIMD3<Double>(repeating: 0)
            for y in Int(c.y) - 2...Int(c.y) + 2 { for x in Int(c.x) - 2...Int(c.x) + 2 {
                sum += SIMD3(Double(image[x: x, y: y, c: 0]), Double(image[x: x, y: y, c: 1]), Double(image[x: x, y: y, c: 2]))
            } }
            return sum / 25
        }
        func distance(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { ((a - b) * (a - b)).sum().squareRoot() }
        var poses: [[SIMD2<Double>]] = []
        for (k, name) in (manifest.files.identity ?? []).enumerated() {
            let photo = try PNG.read(dir.file("clip/" + name)).image8
            XCTAssertEqual([photo.width, photo.height], [96, 96])
            let points = try XCTUnwrap(track.frames[k]).map { SIMD2($0[0], $0[1]) }
            poses.append(points)
            let skin = cheek(photo, points)
            XCTAssertLessThan(distance(skin, cheek(frame.gt, clipPoints)), distance(skin, cheek(frame.target, clipPoints)) - 10,
                              "photo \(k + 1) shows the source's skin")
        }
        XCTAssertGreaterThan(zip(poses[0], poses[1]).map { (($0 - $1) * ($0 - $1)).sum() }.max() ?? 0, 4, "the photos differ in pose")
    }

    func testExistingOutputIsKeptUnlessReplacing() throws {
        let dir = try TempDirectory()
        let folder = dir.file("clip")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: folder + "/keep.txt", contents: Data("mine".utf8))
        let tiny = TestBedConfig(seed: 1, frames: 2, width: 32, height: 32)
        XCTAssertThrowsError(try TestBed.generate(config: tiny, encoding: .lossless, into: folder))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/keep.txt"))
        try TestBed.generate(config: tiny, encoding: .lossless, into: folder, replacing: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/keep.txt"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/manifest.json"))
    }
}
