import Faces
import Foundation
import Media
import Tensor
import TestSupport
import XCTest

func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}

struct LandmarkGolden: Decodable {
    struct Case: Decodable { let image: String; let box: [Int]; let points: [[Int]] }
    let cases: [Case]
}

final class ShapePredictorTests: XCTestCase {
    /// The 68-point model from Debian's libdlib-data (tools/setup installs it).
    static let model68 = ProcessInfo.processInfo.environment["NICER_LANDMARKS68"]
        ?? "/usr/share/dlib/shape_predictor_68_face_landmarks.dat"

    func testSixtyEightPointsAreExactlyDlibs() throws {
        let predictor = try ShapePredictor(path: Self.model68)
        XCTAssertEqual(predictor.parts, 68)
        let golden = try JSONDecoder().decode(LandmarkGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/landmarks68.json"))))
        XCTAssertEqual(golden.cases.count, 4)
        for c in golden.cases {
            let image = try PNG.read(fixturePath("faces/" + c.image)).image8
            let box = FaceBox(left: c.box[0], top: c.box[1], right: c.box[2], bottom: c.box[3])
            let points = predictor.predict(image, box: box).map { [$0.x, $0.y] }
            XCTAssertEqual(points, c.points, c.image)
        }
    }

    func testDamagedAndForeignFilesAreRejectedWithWhereAndWhat() throws {
        let dir = try TempDirectory()
        let head = try XCTUnwrap(FileHandle(forReadingAtPath: Self.model68)).readData(ofLength: 2_000_000)
        try head.write(to: URL(fileURLWithPath: dir.file("cut.dat")))
        try Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }).write(to: URL(fileURLWithPath: dir.file("random.dat")))
        try PNG.write(Image8(width: 8, height: 8, channels: 3, fill: 9), to: dir.file("image.dat"))
        _ = FileManager.default.createFile(atPath: dir.file("empty.dat"), contents: Data())
        for name in ["cut.dat", "random.dat", "image.dat", "empty.dat", "missing.dat"] {
            XCTAssertThrowsError(try ShapePredictor(path: dir.file(name)), name) { error in
                let text = String(describing: error)
                XCTAssertTrue(text.contains(name) && (text.contains("expected") || text.contains("cannot read")), text)
            }
        }
    }
}
