import Foundation
import Tensor

/// PSNR in dB between two 8-bit images of the same shape (infinity when identical).
public func psnr(_ a: Image8, _ b: Image8) -> Double {
    precondition(a.pixels.count == b.pixels.count, "shape mismatch")
    var sum = 0.0
    for i in 0..<a.pixels.count {
        let d = Double(a.pixels[i]) - Double(b.pixels[i])
        sum += d * d
    }
    let mse = sum / Double(a.pixels.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

/// Result of running a program to completion.
public struct ProcessResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Killed by a signal (a crash or trap): `status` is then the signal's number.
    public var signaled = false
}

/// Runs an executable with arguments; stdin is empty.
public func runProcess(_ executable: String, _ arguments: [String], in directory: String? = nil,
                       environment: [String: String] = [:]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes before waiting so a chatty child cannot block on a full pipe.
    let errBox = DataBox()
    let group = DispatchGroup()
    group.enter()
    let errHandle = err.fileHandleForReading
    DispatchQueue.global().async {
        errBox.data = errHandle.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errBox.data, as: UTF8.self),
                         signaled: process.terminationReason == .uncaughtSignal)
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// Runs the `ffmpeg` command-line tool (used only to make test inputs nicer cannot make itself).
public func ffmpeg(_ arguments: [String]) throws {
    let candidates = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw TestSupportError("ffmpeg is not installed (tools/setup installs it)")
    }
    let result = try runProcess(path, ["-v", "error", "-y"] + arguments)
    guard result.status == 0 else { throw TestSupportError("ffmpeg failed: \(result.stderr)") }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Deterministic pseudo-random floats in [-1, 1) for test data.
public struct TestRandom {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }
    public mutating func next() -> Float {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Float(state >> 40) / Float(1 << 23) - 1
    }
}

/// A committed fixture: `Fixtures/NAME` at the repository root.
public func fixturePath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(name).path
}
