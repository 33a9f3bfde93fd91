import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a small seeded generator for everything that must
/// repeat bit for bit — the test bed's clips, weight initialisation, a resumed fit's shuffles.
public struct SplitMix64: Sendable {
    private var state: UInt64

    /// Starts from `state` as it is (the next draw is mix(state + γ)).
    public init(state: UInt64) { self.state = state }

    /// A generator whose draws are a pure function of (seed, stream, index), so one stream's draws
    /// never shift another's.
    public init(seed: UInt64, stream: UInt64 = 0, index: UInt64 = 0) {
        state = Self.mix(seed ^ Self.mix(stream &+ Self.gamma) ^ Self.mix(index &* 0xD1B5_4A32_D192_ED03 &+ 1))
    }

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    public mutating func next() -> UInt64 {
        state &+= Self.gamma
        return Self.mix(state)
    }

    /// Uniform in [0, 1).
    public mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// SplitMix64's output function: a bijective scramble of 64 bits (also a hash of a seed).
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
