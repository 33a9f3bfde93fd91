import Foundation
import Media
import Refine
import Tensor
import TestSupport
import XCTest

/// The scratch store that keeps a long clip's crops on disk, its space check, and the blend of renders.
final class FrameStoreTests: XCTestCase {
    func image(_ size: Int, channels: Int, seed: Int) -> Image8 {
        Image8(width: size, height: size, channels: channels,
               pixels: (0..<(size * size * channels)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ seed &* 7) })
    }

    func testCropsComeBackAsWrittenInAnyOrderAndTheFileIsGone() throws {
        let dir = try TempDirectory()
        let store = try CropStore(path: dir.file("crops.scratch"), size: 8)
        for t in 0..<5 { try store.append(target: image(8, channels: 3, seed: t), proxy: image(8, channels: 3, seed: 10 + t), mask: image(8, channels: 1, seed: 20 + t)) }
        XCTAssertEqual(store.count, 5)
        for t in [4, 0, 2] {
            let crop = try store.frame(t)
            XCTAssertEqual(crop.target, image(8, channels: 3, seed: t))
            XCTAssertEqual(crop.proxy, image(8, channels: 3, seed: 10 + t))
            XCTAssertEqual(crop.mask, image(8, channels: 1, seed: 20 + t))
        }
        XCTAssertThrowsError(try store.frame(5))
        // Unlinked on opening: nothing to clean up after a kill.
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.file("crops.scratch")))
    }

    func testRendersAreTheWeightedMeanOfTheSegmentsThatRenderedThem() throws {
        let n = 2, plane = n * n
        let a = (0..<(3 * plane)).map { Float($0) / 10 }, b = (0..<(3 * plane)).map { 1 - Float($0) / 20 }
        var one = WeightedRender(plane: plane)
        XCTAssertNil(one.mean, "no render yet")
        one.add(rgb: a, sigma: [Float](repeating: 0.5, count: plane), weight: 1)
        XCTAssertEqual(one.mean?.rgb, a)
        XCTAssertEqual(one.mean?.sigma, [Float](repeating: 0.5, count: plane))
        var two = WeightedRender(plane: plane)
        two.add(rgb: a, sigma: [Float](repeating: 0.2, count: plane), weight: 0.25)
        two.add(rgb: b, sigma: [Float](repeating: 0.6, count: plane), weight: 0.75)
        let blended = try XCTUnwrap(two.mean)
        for i in a.indices { XCTAssertEqual(blended.rgb[i], 0.25 * a[i] + 0.75 * b[i], accuracy: 1e-6) }
        for s in blended.sigma { XCTAssertEqual(s, 0.5, accuracy: 1e-6) }
        var zero = WeightedRender(plane: plane)
        zero.add(rgb: a, sigma: [Float](repeating: 0.5, count: plane), weight: 0)
        XCTAssertNil(zero.mean, "only a zero weight")
    }

    func testTooLittleScratchSpaceIsSaidBeforeTheRun() throws {
        let dir = try TempDirectory()
        XCTAssertEqual(ScratchSpace.bytes(frames: 250, size: 256), 250 * 256 * 256 * 7)
        XCTAssertThrowsError(try ScratchSpace.check(frames: 1000, size: 256, in: dir.path, free: 300_000_000)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("0.5 GB") && text.contains("0.3 GB free") && text.contains("1000 frames"), text)
            XCTAssertEqual((error as? MediaError)?.kind, .output)
        }
        XCTAssertNoThrow(try ScratchSpace.check(frames: 1000, size: 256, in: dir.path, free: 600_000_000))
        XCTAssertNoThrow(try ScratchSpace.check(frames: 10, size: 64, in: dir.path), "this machine has room for 10 small frames")
    }
}
