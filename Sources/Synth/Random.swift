import Tensor

/// The test bed's seed hash (SplitMix64's output function): every draw is a pure function of
/// (seed, stream, index), so one fault's draws never shift another's and clips reproduce bit for bit.
@inline(__always)
func mix(_ value: UInt64) -> UInt64 { SplitMix64.mix(value) }
