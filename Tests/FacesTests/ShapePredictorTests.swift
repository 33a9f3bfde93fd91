import Faces
import Foundation
import Media
import Tensor
import TestSupport
import XCTest

struct LandmarkGolden: Decodable {
    struct Case: Decodable { let image: String; let box: [Int]; let points: [[Int]]; let points5: [[Int]] }
    let cases: [Case]
}

final class ShapePredictorTests: XCTestCase {
    /// The 68-point model from Debian's libdlib-data, the 5-point one from PyPI's
    /// face-recognition-models (tools/setup provides both).
    static var model68: String { get throws { try FaceAssets.locate(.landmarks68) } }

    func golden() throws -> LandmarkGolden {
        try JSONDecoder().decode(LandmarkGolden.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("faces/landmarks.json"))))
    }

    func testSixtyEightAndFivePointsAreExactlyDlibs() throws {
        let predictor68 = try ShapePredictor(path: try Self.model68)
        let predictor5 = try ShapePredictor(path: try FaceAssets.locate(.landmarks5))
        XCTAssertEqual(predictor68.parts, 68)
        XCTAssertEqual(predictor5.parts, 5)
        let cases = try golden().cases
        XCTAssertEqual(cases.count, 4)
        for c in cases {
            let image = try PNG.read(fixturePath("faces/" + c.image)).image8
            let box = FaceBox(left: c.box[0], top: c.box[1], right: c.box[2], bottom: c.box[3])
            XCTAssertEqual(predictor68.predict(image, box: box).map { [$0.x, $0.y] }, c.points, c.image)
            XCTAssertEqual(predictor5.predict(image, box: box).map { [$0.x, $0.y] }, c.points5, c.image)
        }
    }

    func testMissingAssetsNameThePackageThatShipsThem() throws {
        let dir = try TempDirectory()
        let bare = ["HOME": dir.path]
        XCTAssertThrowsError(try FaceAssets.locate(.landmarks5, environment: bare, systemFolders: false)) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("face-recognition-models") && text.contains("NICER_LANDMARKS5"), text)
        }
        XCTAssertThrowsError(try FaceAssets.locate(.identity, override: dir.file("nope.dat"), environment: bare)) { error in
            XCTAssertTrue(String(describing: error).contains("nope.dat"))
        }
        XCTAssertTrue(FaceAsset.landmarks68.provenance.contains("libdlib-data"))
        // An explicit path wins over the search.
        let copy = dir.file("five.dat")
        try FileManager.default.copyItem(atPath: try FaceAssets.locate(.landmarks5), toPath: copy)
        XCTAssertEqual(try FaceAssets.locate(.landmarks5, environment: ["NICER_LANDMARKS5": copy]), copy)
    }

    func testDamagedAndForeignFilesAreRejectedWithWhereAndWhat() throws {
        let dir = try TempDirectory()
        let head = try XCTUnwrap(FileHandle(forReadingAtPath: try Self.model68)).readData(ofLength: 2_000_000)
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

    /// The three dlib model kinds cut at every byte of their first 512 and at 80 points through
    /// the rest: each refused naming the file and the byte it stopped at, never a crash.
    func testEveryModelCutShortIsRefusedWithWhere() throws {
        let dir = try TempDirectory()
        let readers: [(FaceAsset, (String) throws -> Void)] = [
            (.landmarks5, { _ = try ShapePredictor(path: $0) }),
            (.detector, { _ = try FaceDetector(path: $0) }),
            (.identity, { _ = try FaceIdentity(path: $0) }),
        ]
        for (asset, read) in readers {
            let whole = try Data(contentsOf: URL(fileURLWithPath: try FaceAssets.locate(asset)))
            let path = dir.file("cut-\(asset.rawValue).dat")
            for cut in truncations(size: whole.count, dense: 512, stride: whole.count / 80) {
                try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
                XCTAssertThrowsError(try read(path), "\(asset) cut at \(cut)") { error in
                    let text = "\(error)"
                    XCTAssertTrue(text.contains(path) && text.contains("byte"), text)
                }
            }
        }
    }
}
