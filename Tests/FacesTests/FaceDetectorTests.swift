import Faces
import Foundation
import Media
import Tensor
import TestSupport
import XCTest

struct DetectionGolden: Decodable {
    struct Case: Decodable { let image: String; let boxes: [[Double]] }
    let cases: [Case]
}

final class FaceDetectorTests: XCTestCase {
    nonisolated(unsafe) static let detector = Result { try FaceDetector(path: try FaceAssets.locate(.detector)) }

    /// tools/golden/faces_golden.py: dlib-bin's cnn_face_detection_model_v1 with no upsampling,
    /// on the astronaut crops and a two-face canvas (two scales, so two pyramid levels and NMS).
    func testBoxesMatchDlibWithinOnePixel() throws {
        let detector = try Self.detector.get()
        let golden = try JSONDecoder().decode(DetectionGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/detections.json"))))
        XCTAssertEqual(golden.cases.count, 5)
        for c in golden.cases {
            let image = try PNG.read(fixturePath("faces/" + c.image)).image8
            let found = detector.detect(image)
            XCTAssertEqual(found.count, c.boxes.count, c.image)
            for (mine, theirs) in zip(found, c.boxes) {
                let box = [mine.box.left, mine.box.top, mine.box.right, mine.box.bottom]
                for k in 0..<4 { XCTAssertEqual(Double(box[k]), theirs[k], accuracy: 1, "\(c.image) \(box) vs \(theirs)") }
                XCTAssertEqual(Double(mine.confidence), theirs[4], accuracy: 2e-3, c.image)
            }
        }
    }

    func testNoFaceInNoiseOrFlatImages() throws {
        let detector = try Self.detector.get()
        XCTAssertTrue(detector.detect(Image8(width: 200, height: 120, channels: 3, fill: 128)).isEmpty)
        var random = TestRandom(seed: 5)
        let noise = Image8(width: 160, height: 160, channels: 3, pixels: (0..<(160 * 160 * 3)).map { _ in UInt8((random.next() + 1) * 127.5) })
        XCTAssertTrue(detector.detect(noise).isEmpty)
    }

    func testWrongModelFilesAreRejected() throws {
        let dir = try TempDirectory()
        let real = try FaceAssets.locate(.detector)
        let head = try XCTUnwrap(FileHandle(forReadingAtPath: real)).readData(ofLength: 300_000)
        try head.write(to: URL(fileURLWithPath: dir.file("cut.dat")))
        try PNG.write(Image8(width: 8, height: 8, channels: 3, fill: 9), to: dir.file("image.dat"))
        try Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 9) }).write(to: URL(fileURLWithPath: dir.file("random.dat")))
        // A real header followed by garbage: the layer records must fail, not the first bytes.
        try (head.prefix(200) + Data(repeating: 0x41, count: 5000)).write(to: URL(fileURLWithPath: dir.file("garbled.dat")))
        for path in [dir.file("cut.dat"), dir.file("image.dat"), dir.file("random.dat"), dir.file("garbled.dat"), try FaceAssets.locate(.landmarks5), try FaceAssets.locate(.identity)] {
            XCTAssertThrowsError(try FaceDetector(path: path), path) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains(path) && text.contains("expected"), text)
            }
        }
    }
}
