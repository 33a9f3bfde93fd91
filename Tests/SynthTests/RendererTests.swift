import Synth
import Tensor
import TestSupport
import XCTest

/// The in-memory renderer: determinism, and faults landing exactly where the record says.
final class RendererTests: XCTestCase {
    func config(_ faults: FaultStrengths, seed: UInt64 = 5, frames: Int = 12) -> TestBedConfig {
        TestBedConfig(seed: seed, frames: frames, width: 96, height: 80, faults: faults)
    }

    /// Pixels (x, y) where two images differ.
    func differences(_ a: Image8, _ b: Image8) -> [(Int, Int)] {
        var out: [(Int, Int)] = []
        for y in 0..<a.height {
            for x in 0..<a.width where (0..<a.channels).contains(where: { a[x: x, y: y, c: $0] != b[x: x, y: y, c: $0] }) {
                out.append((x, y))
            }
        }
        return out
    }

    func inside(_ p: (Int, Int), _ box: [Int]) -> Bool {
        p.0 >= box[0] && p.0 < box[2] && p.1 >= box[1] && p.1 < box[3]
    }

    func testSameSeedSameFramesAndDifferentSeedDifferentFrames() throws {
        let a = try TestBedRenderer(config: config(.standard)).render(frame: 7)
        let b = try TestBedRenderer(config: config(.standard)).render(frame: 7)
        XCTAssertEqual(a.proxy, b.proxy)
        XCTAssertEqual(a.record, b.record)
        let c = try TestBedRenderer(config: config(.standard, seed: 6)).render(frame: 7)
        XCTAssertNotEqual(a.target, c.target)
    }

    func testWithoutFaultsProxyEqualsGtAndSwapStaysInsideTheFace() throws {
        let renderer = try TestBedRenderer(config: config(.none))
        for index in [0, 5, 11] {
            let frame = renderer.render(frame: index)
            XCTAssertEqual(frame.proxy, frame.gt, "frame \(index)")
            XCTAssertTrue(frame.record.regions.isEmpty)
            let swapped = differences(frame.target, frame.gt)
            XCTAssertGreaterThan(swapped.count, 200, "the swap must change the face")
            XCTAssertTrue(swapped.allSatisfy { inside($0, frame.record.faceBox) }, "swap outside the face box")
            let maskBox = differences(frame.mask, Image8(width: 96, height: 80, channels: 1))
            XCTAssertTrue(maskBox.allSatisfy { inside($0, frame.record.faceBox) })
        }
    }

    /// Each fault alone: proxy differs from gt only inside that fault's recorded region, only on
    /// frames where it was injected, and visibly so for the frames it hit.
    func testEachFaultChangesOnlyItsRecordedRegion() throws {
        let cases: [(String, FaultStrengths)] = [
            ("pump", FaultStrengths(pump: 0.2, jitter: 0, mouth: 0, eyes: 0, blocks: 0)),
            ("jitter", FaultStrengths(pump: 0, jitter: 3, mouth: 0, eyes: 0, blocks: 0)),
            ("mouth", FaultStrengths(pump: 0, jitter: 0, mouth: 0.5, eyes: 0, blocks: 0)),
            ("eyes", FaultStrengths(pump: 0, jitter: 0, mouth: 0, eyes: 3, blocks: 0)),
            ("blocks", FaultStrengths(pump: 0, jitter: 0, mouth: 0, eyes: 0, blocks: 0.5)),
        ]
        for (name, strengths) in cases {
            let renderer = try TestBedRenderer(config: config(strengths, frames: 16))
            var hit = 0
            for index in 0..<16 {
                let frame = renderer.render(frame: index)
                let changed = differences(frame.gt, frame.proxy)
                let regions = frame.record.regions
                XCTAssertTrue(regions.allSatisfy { $0.fault == name }, "\(name): \(regions)")
                if regions.isEmpty {
                    XCTAssertEqual(changed.count, 0, "\(name) frame \(index) changed without a record")
                    continue
                }
                hit += 1
                let outside = changed.filter { p in !regions.contains { inside(p, $0.box) } }
                XCTAssertEqual(outside.count, 0, "\(name) frame \(index): \(outside.prefix(5)) outside \(regions)")
                if name == "blocks" || name == "pump" {
                    XCTAssertGreaterThan(changed.count, 10, "\(name) frame \(index) left no trace")
                }
            }
            XCTAssertGreaterThan(hit, 0, "\(name) never fired in 16 frames")
            if name == "mouth" || name == "blocks" { XCTAssertLessThan(hit, 16, "\(name) fired on every frame") }
        }
    }

    func testFaultDrawsAreIndependentOfOtherFaults() throws {
        let blocksOnly = try TestBedRenderer(config: config(FaultStrengths(pump: 0, jitter: 0, mouth: 0, eyes: 0, blocks: 0.5)))
        let everything = try TestBedRenderer(config: config(FaultStrengths(pump: 0.1, jitter: 2, mouth: 0.3, eyes: 2, blocks: 0.5)))
        for index in 0..<12 {
            XCTAssertEqual(blocksOnly.render(frame: index).record.block, everything.render(frame: index).record.block)
        }
    }

    func testFaultSpecParsing() throws {
        XCTAssertEqual(try FaultStrengths.parse("standard"), .standard)
        XCTAssertEqual(try FaultStrengths.parse("none"), .none)
        let custom = try FaultStrengths.parse("none, blocks=0.3,mouth=0.2")
        XCTAssertEqual(custom, FaultStrengths(pump: 0, jitter: 0, mouth: 0.2, eyes: 0, blocks: 0.3))
        XCTAssertEqual(try FaultStrengths.parse("pump=0.2").jitter, FaultStrengths.standard.jitter)
        for bad in ["pump", "pump=x", "teeth=1", "mouth=2", "jitter=-1"] {
            XCTAssertThrowsError(try FaultStrengths.parse(bad), bad)
        }
        XCTAssertEqual(FaultStrengths.standard.scaled(by: 2).pump, 2 * FaultStrengths.standard.pump)
        XCTAssertEqual(FaultStrengths(pump: 0, jitter: 0, mouth: 0.8, eyes: 0, blocks: 0).scaled(by: 2).mouth, 1)
    }

    func testConfigLimitsAreEnforced() {
        XCTAssertThrowsError(try TestBedRenderer(config: TestBedConfig(seed: 1, frames: 1)))
        XCTAssertThrowsError(try TestBedRenderer(config: TestBedConfig(seed: 1, width: 8, height: 64)))
        XCTAssertThrowsError(try TestBedRenderer(config: TestBedConfig(seed: 1, fps: 0)))
    }
}
