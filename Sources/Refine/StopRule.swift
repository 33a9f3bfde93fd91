import Foundation
/// When a fit stops and which epoch it delivers, in one place: the score of a monitored epoch,
/// the best epoch, the plateau that stops the fit, and the guard that takes a collapsed 3D prior
/// out again (`NICeTrainer.fit` applies them; docs/method.md, "Automatic stop").
public enum StopRule {
    /// The automatic stop's score (docs/method.md, "Automatic stop"): fidelity to the proxy in dB minus the
    /// flicker in excess of the target's own, also in dB:
    ///     score = PSNR(output, proxy) − 10·log10(max(1, e_stab(output) / e_stab(target)))
    /// on the monitor pairs. Early epochs gain fidelity fast at no stability cost; once the fit
    /// starts to follow the proxy's per-frame noise, e_stab climbs past the target's and the score
    /// falls even while fidelity still creeps up.
    public static func score(_ r: EpochRecord, proxyEStab: Double, targetEStab: Double) -> Double? {
        guard let fidelity = r.fidelity, let eStab = r.eStab else { return nil }
        return fidelity - 10 * log10(max(1, eStab / max(targetEStab, 1e-12)))
    }

    /// Whether `record` becomes the delivered epoch. Coarse epochs are scored at the resolution
    /// they train at, so once the fine phase starts (`firstFine`) the best is chosen among fine
    /// epochs only.
    static func isNewBest(_ record: EpochRecord, state: TrainingState, firstFine: Bool) -> Bool {
        guard let score = record.score else { return false }
        let bestSoFar = firstFine ? -.infinity : state.bestEpoch.flatMap { state.epochs[$0 - 1].score } ?? -.infinity
        return score > bestSoFar
    }

    /// The automatic stop's reason once the scores of `curve` from `judgedFrom` on have reached
    /// their plateau; nil while they have not.
    static func plateauStop(_ curve: [EpochRecord], judgedFrom: Int, patience: Int, delta: Double) -> String? {
        let phase = curve[judgedFrom...].compactMap(\.score)
        guard Plateau.reached(phase, patience: patience, delta: delta) else { return nil }
        let last = curve.count - phase.count + Plateau.lastImprovement(phase, delta: delta) + 1
        return String(format: "no gain above %.2g dB for %d epochs after epoch %d", delta, patience, last)
    }

    /// The automatic stop's notion of progress (Keras's early stopping with a minimum delta).
    public enum Plateau {
        /// The index into `scores` of the last improvement: the first epoch, then every epoch that
        /// beats the previous improvement's score by more than `delta` (dB), so slow creeping gains of
        /// less than `delta` per epoch add up before they count.
        public static func lastImprovement(_ scores: [Double], delta: Double) -> Int {
            guard var reference = scores.first else { return 0 }
            var last = 0
            for (i, score) in scores.enumerated().dropFirst() where score > reference + delta {
                reference = score
                last = i
            }
            return last
        }

        /// True when the last `patience` epochs brought no improvement (above).
        public static func reached(_ scores: [Double], patience: Int, delta: Double) -> Bool {
            !scores.isEmpty && scores.count - 1 - lastImprovement(scores, delta: delta) >= patience
        }
    }

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
}
