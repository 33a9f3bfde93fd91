import Foundation
import Media
import Tensor
import TestSupport
import XCTest

/// `nicer batch run --export deepfakebench` on a tiny FF++ tree of real faces (the astronaut
/// photos sliding), where the detector finds the face the crops are aligned on.
final class BatchExportCLITests: XCTestCase {
    let refine = ["--", "--mask", "swap", "--size", "64", "--levels", "3", "--width", "8", "--epochs", "2", "--fixed-epochs",
                  "--frames-per-epoch", "0"]

    /// Targets 000 (astronaut) and 001 (the mirrored photo), each swapped with the other's face (Deepfakes).
    func faceTree(_ dir: TempDirectory, frames: Int) throws -> String {
        let root = dir.file("ffpp"), fm = FileManager.default
        let originals = root + "/original_sequences/youtube/c23/videos", swaps = root + "/manipulated_sequences/Deepfakes/c23/videos"
        for folder in [originals, swaps] { try fm.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let encoding = VideoWriterOptions.Encoding.h264(crf: 12, preset: "ultrafast")
        let photos = ["astronaut.png", "astronaut-mirrored.png"]
        for k in 0..<2 {
            try writeSlidingFaceClip("\(originals)/00\(k).mp4", frames: frames, photo: photos[k], encoding: encoding)
            try writeSlidingFaceClip("\(swaps)/00\(k)_00\(1 - k).mp4", frames: frames, photo: photos[1 - k], encoding: encoding)
        }
        return root
    }

    typealias Dataset = [String: [String: [String: [String: [String: Video]]]]]  // dataset → label → split → compression → video
    struct Video: Decodable { let label: String; let frames: [String] }

    func testExportsAlignedCropsAndDeepfakeBenchsDatasetFiles() throws {
        let dir = try TempDirectory()
        let root = try faceTree(dir, frames: 12)
        let out = dir.file("batch")
        // One item refined before the export is asked for, the other with it: both get their crops.
        let first = try nicer(["batch", "run", root, "-o", out, "--shard", "0/2"] + refine)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/deepfakebench"), "no export asked for yet")
        let run = try nicer(["batch", "run", "-o", out, "--export", "deepfakebench", "--export-frames", "4"])
        XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
        XCTAssertTrue(run.stdout.contains("1 refined, 0 failed, 1 skipped"), run.stdout)
        XCTAssertTrue(run.stdout.contains("deepfakebench/FF-DF.json"), run.stdout)

        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/deepfakebench/FF-DF.json"))
        let dataset = try XCTUnwrap(try JSONDecoder().decode(Dataset.self, from: data)["FF-DF"])
        XCTAssertEqual(Set(dataset.keys), ["FF-DF", "FF-real"])
        for (label, splits) in dataset {
            XCTAssertEqual(Set(splits.keys), ["train", "val", "test"], "DeepfakeBench's loader indexes every split")
            XCTAssertEqual(splits["val"]?["c23"]?.count, 0)
            let videos = try XCTUnwrap(splits["train"]?["c23"], label)  // no split files: every video trains
            XCTAssertEqual(Set(videos.keys), label == "FF-DF" ? ["000_001", "001_000"] : ["000", "001"])
            for (stem, video) in videos {
                XCTAssertEqual(video.label, label)
                let folder = label == "FF-DF" ? "manipulated_sequences/Deepfakes-NICe/c23/frames/" : "original_sequences/youtube/c23/frames/"
                // np.linspace(0, 11, 4, dtype=int): frames 0, 3, 7 and 11.
                XCTAssertEqual(video.frames.map { URL(fileURLWithPath: $0).lastPathComponent }, ["000.png", "003.png", "007.png", "011.png"])
                for path in video.frames {
                    XCTAssertTrue(path.hasPrefix("/") && path.contains(folder + stem + "/"), path)
                    let crop = try PNG.read(path).image8
                    XCTAssertEqual([crop.width, crop.height, crop.channels], [256, 256, 3], path)
                    // Aligned on the face: the centre is face, not the grey frame nor black border.
                    let centre = (128 * 256 + 128) * 3
                    XCTAssertNotEqual(Array(crop.pixels[centre..<centre + 3]), [90, 90, 90], path)
                    XCTAssertGreaterThan(crop.pixels.reduce(0) { $0 + Int($1) } / crop.pixels.count, 40, path)
                }
            }
        }
        // The face slides 2 px a frame; the crops follow it, so the first and last crops agree
        // far better than the frames they came from.
        let frames = try XCTUnwrap(dataset["FF-real"]?["train"]?["c23"]?["000"]?.frames)
        let (a, b) = (try PNG.read(frames[0]).image8, try PNG.read(frames[3]).image8)
        XCTAssertGreaterThan(psnr(a, b), 24, "aligned crops of a sliding face")
        let all = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/deepfakebench/FaceForensics++.json"))) as? [String: [String: Any]]
        XCTAssertEqual(Set(all?["FaceForensics++"]?.keys.map { $0 } ?? []), ["FF-DF", "FF-real"])

        // Again: nothing refined or cropped twice; merge rewrites the same dataset files.
        let again = try nicer(["batch", "run", "-o", out])
        XCTAssertTrue(again.stdout.contains("0 refined, 0 failed, 2 skipped"), again.stdout)
        let merge = try nicer(["batch", "merge", out])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/deepfakebench/FF-DF.json")), data)
    }
}
