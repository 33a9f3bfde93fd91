import Foundation
import Tensor

/// Strength of each swapper fault injected into the proxy. 0 turns a fault off.
public struct FaultStrengths: Codable, Equatable, Sendable {
    /// Colour/brightness pumping: standard deviation of the per-frame gain on the swapped face.
    public var pump: Double
    /// Outline jitter: standard deviation, in pixels, of the swap mask's edge displacement.
    public var jitter: Double
    /// Mouth collapse: probability that a frame's swapped mouth is shut.
    public var mouth: Double
    /// Eye shake: standard deviation, in pixels, of the swapped eyes' per-frame offset.
    public var eyes: Double
    /// Outlier blocks: probability that a frame gets a garbage block inside the face.
    public var blocks: Double

    public init(pump: Double, jitter: Double, mouth: Double, eyes: Double, blocks: Double) {
        self.pump = pump
        self.jitter = jitter
        self.mouth = mouth
        self.eyes = eyes
        self.blocks = blocks
    }

    /// What `nicer synth` injects unless told otherwise.
    public static let standard = FaultStrengths(pump: 0.06, jitter: 1.5, mouth: 0.15, eyes: 1.5, blocks: 0.1)
    public static let none = FaultStrengths(pump: 0, jitter: 0, mouth: 0, eyes: 0, blocks: 0)

    public static let names = ["pump", "jitter", "mouth", "eyes", "blocks"]
    static let limits: [String: ClosedRange<Double>] = [
        "pump": 0...1, "jitter": 0...50, "mouth": 0...1, "eyes": 0...50, "blocks": 0...1,
    ]

    /// Every strength multiplied by `factor` (probabilities capped at 1).
    public func scaled(by factor: Double) -> FaultStrengths {
        FaultStrengths(pump: pump * factor, jitter: jitter * factor, mouth: min(1, mouth * factor),
                       eyes: eyes * factor, blocks: min(1, blocks * factor))
    }

    /// Parses a comma list applied over the standard set: `none` zeroes all, `standard` restores them,
    /// `NAME=VALUE` sets one. Example: `none,blocks=0.3`.
    public static func parse(_ spec: String) throws -> FaultStrengths {
        var result = FaultStrengths.standard
        for item in spec.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if item == "none" { result = .none; continue }
            if item == "standard" { result = .standard; continue }
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let value = Double(pair[1]), let range = limits[pair[0]] else {
                throw SynthError.badFaultSpec("'\(item)' is not NAME=NUMBER with NAME one of \(names.joined(separator: ", ")), or none/standard")
            }
            guard range.contains(value) else {
                throw SynthError.badFaultSpec("\(pair[0])=\(pair[1]) is outside \(range.lowerBound)...\(range.upperBound)")
            }
            switch pair[0] {
            case "pump": result.pump = value
            case "jitter": result.jitter = value
            case "mouth": result.mouth = value
            case "eyes": result.eyes = value
            default: result.blocks = value
            }
        }
        return result
    }
}

public enum SynthError: Error, CustomStringConvertible, Sendable {
    case badFaultSpec(String)
    case badConfig(String)
    case outputExists(String)

    public var description: String {
        switch self {
        case .badFaultSpec(let why): "bad --faults: \(why)"
        case .badConfig(let why): why
        case .outputExists(let path): "\(path) already exists (use --force to replace it)"
        }
    }
}

/// The faults drawn for one frame. Each fault draws from its own random stream, so changing one
/// strength never moves another fault's draws.
struct FrameFaults {
    var gains: [Double]?
    var maskShift: (dx: Double, dy: Double, radiusScale: Double)?
    var mouthCollapsed = false
    var eyeShift: (dx: Double, dy: Double)?
    var block: (x: Int, y: Int, width: Int, height: Int, seed: UInt64)?

    var isEmpty: Bool { gains == nil && maskShift == nil && !mouthCollapsed && eyeShift == nil && block == nil }

    static func draw(seed: UInt64, frame: Int, strengths s: FaultStrengths, pose: FacePose,
                     width: Int, height: Int) -> FrameFaults {
        var faults = FrameFaults()
        let index = UInt64(frame)
        if s.pump > 0 {
            var rng = SplitMix64(seed: seed, stream: 101, index: index)
            let luma = s.pump * rng.normal()
            faults.gains = (0..<3).map { _ in max(0.2, 1 + luma + 0.5 * s.pump * rng.normal()) }
        }
        if s.jitter > 0 {
            var rng = SplitMix64(seed: seed, stream: 102, index: index)
            faults.maskShift = (s.jitter * rng.normal(), s.jitter * rng.normal(),
                                1 + s.jitter * rng.normal() / max(pose.radiusX, 1))
        }
        if s.mouth > 0 {
            var rng = SplitMix64(seed: seed, stream: 103, index: index)
            faults.mouthCollapsed = rng.uniform() < s.mouth
        }
        if s.eyes > 0 {
            var rng = SplitMix64(seed: seed, stream: 104, index: index)
            faults.eyeShift = (s.eyes * rng.normal(), s.eyes * rng.normal())
        }
        if s.blocks > 0 {
            var rng = SplitMix64(seed: seed, stream: 105, index: index)
            if rng.uniform() < s.blocks {
                let side = max(4.0, pose.radiusX * rng.uniform(0.3...0.6))
                let w = Int(side), h = Int(side * rng.uniform(0.7...1.3))
                let x = Int(pose.centerX - pose.radiusX * 0.6 + rng.uniform() * pose.radiusX * 1.2 - Double(w) / 2)
                let y = Int(pose.centerY - pose.radiusY * 0.6 + rng.uniform() * pose.radiusY * 1.2 - Double(h) / 2)
                let cx = min(max(x, 0), max(0, width - w)), cy = min(max(y, 0), max(0, height - h))
                faults.block = (cx, cy, min(w, width - cx), min(h, height - cy), rng.next())
            }
        }
        return faults
    }
}
