import Foundation
import NeuralNet
import Tensor
import TestSupport
import XCTest

final class CheckpointTests: XCTestCase {
    let config = UNetConfig(levels: 2, baseChannels: 4, logVariance: true)

    func trainedNetwork(steps: Int) -> (Network, Adam) {
        let net = UNet.build(config, seed: 7)
        let adam = Adam(parameters: net.parameters)
        let x = randomTensor(Shape(1, 3, 8, 8), seed: 1), y = randomTensor(Shape(1, 3, 8, 8), seed: 2)
        for _ in 0..<steps {
            let out = net.forward(x)
            let g = Tensor(out.shape)
            Loss.uncertaintyL1(prediction: out, target: y, gradient: g)
            net.parameters.zeroGradients()
            net.backward(g)
            adam.update()
        }
        return (net, adam)
    }

    func testSaveThenLoadRestoresWeightsMomentsAndStep() throws {
        let dir = try TempDirectory()
        let (net, adam) = trainedNetwork(steps: 2)
        let path = dir.file("state.safetensors")
        try Checkpoint.save(net.parameters, optimizer: adam, architecture: "unet-test", to: path)
        XCTAssertEqual(dir.contents(), ["state.safetensors"], "temporary file left behind")

        let fresh = UNet.build(config, seed: 99)
        let freshAdam = Adam(parameters: fresh.parameters)
        try Checkpoint.load(path, into: fresh.parameters, optimizer: freshAdam, architecture: "unet-test")
        XCTAssertEqual(freshAdam.step, 2)
        for i in 0..<net.parameters.count {
            XCTAssertEqual(fresh.parameters.values.pointer[i], net.parameters.values.pointer[i])
            XCTAssertEqual(freshAdam.firstMoments.pointer[i], adam.firstMoments.pointer[i])
            XCTAssertEqual(freshAdam.secondMoments.pointer[i], adam.secondMoments.pointer[i])
        }
    }

    func testMismatchedOrDamagedFilesAreRejectedWithoutTouchingTheNetwork() throws {
        let dir = try TempDirectory()
        let (net, adam) = trainedNetwork(steps: 1)
        let path = dir.file("state.safetensors")
        try Checkpoint.save(net.parameters, optimizer: adam, architecture: "unet-test", to: path)
        let target = UNet.build(config, seed: 5)
        let before = (0..<target.parameters.count).map { target.parameters.values.pointer[$0] }
        func assertRejected(_ file: String, architecture: String = "unet-test", _ expected: String, line: UInt = #line) {
            XCTAssertThrowsError(try Checkpoint.load(file, into: target.parameters, optimizer: Adam(parameters: target.parameters),
                                                     architecture: architecture), line: line) { error in
                XCTAssertTrue(String(describing: error).contains(expected), "\(error)", line: line)
            }
        }
        assertRejected(path, architecture: "other", "architecture")
        let bigger = UNet.build(UNetConfig(levels: 2, baseChannels: 6, logVariance: true))
        try Checkpoint.save(bigger.parameters, optimizer: nil, architecture: "unet-test", to: dir.file("bigger.safetensors"))
        assertRejected(dir.file("bigger.safetensors"), "shape")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.prefix(bytes.count - 100).write(to: URL(fileURLWithPath: dir.file("cut.safetensors")))
        assertRejected(dir.file("cut.safetensors"), "truncated")
        try Data("not a checkpoint at all".utf8).write(to: URL(fileURLWithPath: dir.file("text.safetensors")))
        assertRejected(dir.file("text.safetensors"), "header")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.file("tiny.safetensors")))
        assertRejected(dir.file("tiny.safetensors"), "shorter")
        assertRejected(dir.file("missing.safetensors"), "cannot read")
        XCTAssertEqual((0..<target.parameters.count).map { target.parameters.values.pointer[$0] }, before)
    }

    func testSafetensorsLayoutIsTheStandardOne() throws {
        let data = try Safetensors.encode(["b": .init(shape: [2], values: [1, -2]), "a": .init(shape: [1, 1], values: [0.5])],
                                          metadata: ["k": "v"])
        let headerLength = Int(data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(headerLength % 8, 0)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: data[8..<(8 + headerLength)]) as? [String: Any])
        XCTAssertEqual((header["a"] as? [String: Any])?["data_offsets"] as? [Int], [0, 4])
        XCTAssertEqual((header["b"] as? [String: Any])?["data_offsets"] as? [Int], [4, 12])
        XCTAssertEqual(data.count, 8 + headerLength + 12)
        XCTAssertEqual(Array(data.suffix(4)), [0, 0, 0, 0xC0], "-2.0 as little-endian F32")
    }

    /// A weights file cut at every byte of its header, at each tensor's first and last byte and
    /// every 61st byte: refused with the file's name, never a crash.
    func testEveryCutOfAWeightsFileIsRefused() throws {
        let dir = try TempDirectory()
        let whole = try Data(contentsOf: URL(fileURLWithPath: fixturePath("vgg/vgg_golden.safetensors")))
        let headerEnd = 8 + Int(whole.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        let header = try JSONSerialization.jsonObject(with: whole[8..<headerEnd]) as! [String: Any]
        let ends = header.values.compactMap { ($0 as? [String: Any])?["data_offsets"] as? [Int] }.flatMap { $0.map { headerEnd + $0 } }
        let cuts = truncations(size: whole.count, dense: headerEnd + 1, stride: 61, boundaries: ends)
        XCTAssertGreaterThan(ends.count, 4)
        let path = dir.file("cut.safetensors")
        for cut in cuts {
            try whole.prefix(cut).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try Safetensors.read(path), "cut at \(cut) of \(whole.count)") { error in
                XCTAssertTrue("\(error)".contains("cut.safetensors"), "\(error)")
            }
        }
    }
}
