/// Notices a fit that the 3D prior has pulled back to the target crop.
///
/// Under the residual mapping the network's zero correction is the target crop itself, and that
/// satisfies the albedo term exactly (the output's skin tone is the target's): a full-resolution
/// fit can fall into it and undo the swap. It shows in the curve's `correction` (RMS of the fit's
/// change to the target over the swap's): on the test bed's standard seed 3 it read 0.57–0.70
/// over the last half-resolution epochs and 0.09–0.27 through the full-resolution ones, while a
/// sound fit (skin-transfer seed 2) went from 0.53–0.55 to 0.41–0.57 (docs/reference.md and docs/benchmarks.md, "3D face prior"
/// benchmarks). Sound fits dip too in the first full-resolution epochs, while σ's range opens
/// (standard seeds 1 and 6: 0.16 and 0.28, then back above 0.5), so the guard judges the epoch
/// the fit would deliver, its best, once the fit stops: when that epoch's correction is below a
/// fraction of the last half-resolution epochs' mean, the trainer restarts the full-resolution
/// phase from the last half-resolution weights without the prior.
public enum PriorGuard {
    /// Half-resolution epochs averaged into the reference (their correction wanders by ±0.1).
    public static let referenceEpochs = 3

    /// The mean correction of the last `referenceEpochs` half-resolution epochs of `curve`
    /// (the first `coarseEpochs` records); nil when there are none or one lacks the value.
    public static func reference(_ curve: [EpochRecord], coarseEpochs: Int) -> Double? {
        guard coarseEpochs > 0, curve.count >= coarseEpochs else { return nil }
        let last = curve[max(0, coarseEpochs - referenceEpochs)..<coarseEpochs].map(\.correction)
        guard last.allSatisfy({ $0 != nil }) else { return nil }
        let mean = last.compactMap { $0 }.reduce(0, +) / Double(last.count)
        return mean > 0 ? mean : nil
    }

    /// True when a full-resolution epoch's correction has fallen below `fraction` of the reference.
    public static func tripped(_ record: EpochRecord, reference: Double, fraction: Double) -> Bool {
        guard let correction = record.correction else { return false }
        return correction < fraction * reference
    }

    /// The withdrawal a stopped fit calls for: its best epoch is a full-resolution one that has
    /// tripped the guard; nil otherwise.
    public static func judge(_ state: TrainingState, coarseEpochs: Int, fraction: Double) -> PriorWithdrawal? {
        guard let best = state.bestEpoch, best > coarseEpochs, best <= state.epochs.count,
              let reference = reference(state.epochs, coarseEpochs: coarseEpochs),
              tripped(state.epochs[best - 1], reference: reference, fraction: fraction) else { return nil }
        return PriorWithdrawal(epoch: best, correction: state.epochs[best - 1].correction ?? 0, reference: reference,
                               fraction: fraction, discarded: Array(state.epochs[coarseEpochs...]))
    }
}

/// What the guard did to one fit (kept in its state and report).
public struct PriorWithdrawal: Codable, Equatable, Sendable {
    /// The best full-resolution epoch, whose correction tripped the guard, and that correction.
    public var epoch: Int
    public var correction: Double
    /// The half-resolution reference it fell below `fraction` of.
    public var reference: Double
    public var fraction: Double
    /// The full-resolution epochs trained with the prior and then discarded (the curve restarts
    /// after the last half-resolution epoch).
    public var discarded: [EpochRecord]

    public init(epoch: Int, correction: Double, reference: Double, fraction: Double, discarded: [EpochRecord]) {
        (self.epoch, self.correction, self.reference, self.fraction, self.discarded) = (epoch, correction, reference, fraction, discarded)
    }

    public var summary: String {
        String(format: "withdrawn: the best epoch (%d) had gone back to the target crop, correction %.2f < %.2g × %.2f "
               + "(the last half-resolution epochs'); the full-resolution phase was trained again from epoch %d without it",
               epoch, correction, fraction, reference, (discarded.first?.epoch ?? epoch) - 1)
    }
}
