import Tensor
import XCTest

final class ImageTests: XCTestCase {
    func testPlanarRoundTripIsExactForEveryByteValue() {
        let pixels = (0..<(256 * 3)).map { UInt8($0 % 256) }
        let image = Image8(width: 16, height: 16, channels: 3, pixels: pixels)
        let planar = image.planar()
        XCTAssertEqual(planar[x: 1, y: 0, c: 2], Float(pixels[5]) / 255, accuracy: 1e-7)
        XCTAssertEqual(planar.quantized(), image)
    }

    func testQuantizeClampsAndRounds() {
        XCTAssertEqual(quantize(-0.5), 0)
        XCTAssertEqual(quantize(1.5), 255)
        XCTAssertEqual(quantize(.nan), 0)
        XCTAssertEqual(quantize(0.6 / 255), 1)
        XCTAssertEqual(quantize(0.4 / 255), 0)
    }
}
