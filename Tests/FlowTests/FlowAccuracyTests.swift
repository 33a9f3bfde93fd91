import Flow
import Foundation
import Media
import Tensor
import TestSupport
import XCTest

struct FlowPairs: Decodable {
    struct Case: Decodable {
        struct Params: Decodable {
            let angle, cx, cy, tx, ty, amp, period, bump, bx, by, sigma: Double
        }
        struct Result: Decodable { let epe: Double; let ms: Double }
        let name: String
        let flow: Params
        let opencv: [String: Result]
    }
    let size: Int
    let border: Int
    let cases: [Case]

    static func load() throws -> FlowPairs {
        try JSONDecoder().decode(FlowPairs.self, from: Data(contentsOf: URL(fileURLWithPath: fixturePath("flow/pairs.json"))))
    }
}

/// The known flow of a fixture pair, from the same formula as tools/reference/flow_pairs.py.
func trueFlow(_ p: FlowPairs.Case.Params, size: Int) -> FlowField {
    var field = FlowField(width: size, height: size)
    let c = cos(p.angle), s = sin(p.angle)
    for y in 0..<size {
        for x in 0..<size {
            let (fx, fy) = (Double(x), Double(y))
            let g = p.bump * exp(-((fx - p.bx) * (fx - p.bx) + (fy - p.by) * (fy - p.by)) / (2 * p.sigma * p.sigma))
            field.u[y * size + x] = Float(c * (fx - p.cx) - s * (fy - p.cy) + p.cx - fx + p.tx + p.amp * sin(2 * .pi * fy / p.period) + g)
            field.v[y * size + x] = Float(s * (fx - p.cx) + c * (fy - p.cy) + p.cy - fy + p.ty + p.amp * sin(2 * .pi * fx / p.period) + 0.5 * g)
        }
    }
    return field
}

func gray(_ path: String) throws -> GrayImage { GrayImage(try PNG.read(path).image8) }

final class FlowAccuracyTests: XCTestCase {
    /// Mean end-point error of a preset over the fixture pairs, and OpenCV's on the same pairs.
    func meanErrors(_ preset: DISOpticalFlow.Preset) throws -> (ours: Double, opencv: Double, worstRatio: Double) {
        let pairs = try FlowPairs.load()
        let dis = DISOpticalFlow(preset)
        var ours = 0.0, theirs = 0.0, worst = 0.0
        for pair in pairs.cases {
            let first = try gray(fixturePath("flow/\(pair.name)-0.png")), second = try gray(fixturePath("flow/\(pair.name)-1.png"))
            let epe = dis.flow(from: first, to: second).endPointError(to: trueFlow(pair.flow, size: pairs.size), border: pairs.border)
            let reference = try XCTUnwrap(pair.opencv[preset.rawValue]).epe
            ours += epe
            theirs += reference
            worst = max(worst, epe / reference)
        }
        return (ours / Double(pairs.cases.count), theirs / Double(pairs.cases.count), worst)
    }

    /// DIS-medium's mean end-point error against the known flows is within 1.1× of OpenCV's.
    func testMediumIsWithinTenPercentOfOpenCV() throws {
        let e = try meanErrors(.medium)
        XCTAssertLessThanOrEqual(e.ours, 1.1 * e.opencv, "nicer \(e.ours) vs OpenCV \(e.opencv)")
        XCTAssertLessThan(e.worstRatio, 1.35, "one pair far worse than OpenCV")
    }

    /// The faster presets stay close to theirs (a looser guard: their patch stage alone decides).
    func testFastPresetsStayNearOpenCV() throws {
        for preset in [DISOpticalFlow.Preset.fast, .ultrafast] {
            let e = try meanErrors(preset)
            XCTAssertLessThanOrEqual(e.ours, 1.3 * e.opencv, "\(preset): nicer \(e.ours) vs OpenCV \(e.opencv)")
        }
    }

    func testIdenticalFramesGiveZeroFlowAndAShiftIsRecovered() throws {
        let pairs = try FlowPairs.load()
        let image = try gray(fixturePath("flow/\(pairs.cases[0].name)-1.png"))
        let still = DISOpticalFlow(.medium).flow(from: image, to: image)
        XCTAssertLessThan(still.endPointError(to: FlowField(width: image.width, height: image.height)), 0.01)
        // Second frame = first moved right by 3 px and up by 2: first(x) = second(x + (3, −2)).
        var moved = GrayImage(width: image.width, height: image.height)
        for y in 0..<image.height { for x in 0..<image.width { moved[x, y] = image.sample(Float(x - 3), Float(y + 2)) } }
        let shift = DISOpticalFlow(.medium).flow(from: image, to: moved)
        let expected = FlowField(width: image.width, height: image.height,
                                 u: [Float](repeating: 3, count: image.width * image.height),
                                 v: [Float](repeating: -2, count: image.width * image.height))
        XCTAssertLessThan(shift.endPointError(to: expected, border: 16), 0.25)
    }
}
