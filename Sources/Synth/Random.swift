/// Deterministic randomness for the test bed: every draw is a pure function of (seed, stream,
/// index), so one fault's draws never shift another's and clips reproduce bit for bit.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64, stream: UInt64 = 0, index: UInt64 = 0) {
        state = mix(seed ^ mix(stream &+ 0x9E37_79B9_7F4A_7C15) ^ mix(index &* 0xD1B5_4A32_D192_ED03 &+ 1))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return mix(state)
    }

    /// Uniform in [0, 1).
    mutating func uniform() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * uniform()
    }

    /// Standard normal (Box–Muller).
    mutating func normal() -> Double {
        let u1 = max(uniform(), 1e-300)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

@inline(__always)
func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

import Foundation
