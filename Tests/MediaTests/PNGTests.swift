import Media
import Tensor
import TestSupport
import XCTest

final class PNGTests: XCTestCase {
    func testEightBitGrayGrayAlphaRGBAndRGBARoundTrip() throws {
        let dir = try TempDirectory()
        for channels in 1...4 {
            let pixels = (0..<(13 * 7 * channels)).map { UInt8(($0 * 37 + channels) % 256) }
            let image = Image8(width: 13, height: 7, channels: channels, pixels: pixels)
            let path = dir.file("c\(channels).png")
            try PNG.write(image, to: path)
            XCTAssertEqual(try PNG.read(path), .eightBit(image), "\(channels) channels")
        }
    }

    func testSixteenBitRoundTripKeepsEverySample() throws {
        let dir = try TempDirectory()
        for channels in [1, 3, 4] {
            let samples = (0..<(9 * 5 * channels)).map { UInt16(($0 * 7919 + 3) % 65536) }
            let image = Image16(width: 9, height: 5, channels: channels, samples: samples)
            let path = dir.file("s\(channels).png")
            try PNG.write(image, to: path)
            XCTAssertEqual(try PNG.read(path), .sixteenBit(image), "\(channels) channels")
        }
    }

    func testEightBitViewOfSixteenBitScalesToNearestLevel() {
        let image = PNGImage.sixteenBit(Image16(width: 3, height: 1, channels: 1, samples: [0, 257 * 128, 65535]))
        XCTAssertEqual(image.image8.pixels, [0, 128, 255])
    }
}
