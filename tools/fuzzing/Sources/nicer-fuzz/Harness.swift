import Batch
import CFuzzer
import Face3D
import Faces
import Foundation
import Media
import NeuralNet
import Stability

/// One libFuzzer entry point for every parser; `NICER_FUZZ_TARGET` picks which one the bytes go
/// to. Readers that take a path get the bytes through a file in /dev/shm (memory, no disk) where
/// there is one.
/// Every parser must return or throw: a crash, a trap, a leak past the RSS limit or an
/// AddressSanitizer report is a finding.
enum Harness {
    static let target = ProcessInfo.processInfo.environment["NICER_FUZZ_TARGET"] ?? ""
    static let scratch = (FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
        + "/nicer-fuzz-\(getpid())-\(target)"

    static let targets: [String: @Sendable ([UInt8]) throws -> Void] = [
        "pickle": { bytes in var reader = PickleReader(bytes: bytes); _ = try reader.run() },
        "npz": { bytes in
            let archive = try NumpyArchive(path: try file(bytes))
            // Every member's first and last element: the offsets the header promised must hold.
            for name in archive.members.keys.sorted() {
                let member = try archive.member(name)
                if member.count > 0 { _ = archive.element(member, 0); _ = archive.element(member, member.count - 1) }
            }
        },
        "safetensors": { bytes in _ = try Safetensors.read(try file(bytes)) },
        "png": { bytes in _ = try PNG.read(try file(bytes)) },
        "landmarks": { bytes in _ = try LandmarkFile.read(try file(bytes), frames: 2, size: (64, 48)) },
        "pairs": { bytes in _ = try DatasetScan.pairsList(try file(bytes)) },
        "dlib-shape": { bytes in _ = try ShapePredictor(path: try file(bytes)) },
        "dlib-detector": { bytes in _ = try FaceDetector(path: try file(bytes)) },
        "dlib-identity": { bytes in _ = try FaceIdentity(path: try file(bytes)) },
    ]

    static func file(_ bytes: [UInt8]) throws -> String {
        guard FileManager.default.createFile(atPath: scratch, contents: Data(bytes)) else { throw CocoaError(.fileWriteUnknown) }
        return scratch
    }
}

@main
enum FuzzMain {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
    }
}

func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let parse = Harness.targets[Harness.target] else {
        fatalError("NICER_FUZZ_TARGET must be one of \(Harness.targets.keys.sorted().joined(separator: ", "))")
    }
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    try? parse(bytes)
    return 0
}
