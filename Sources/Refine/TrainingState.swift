import Foundation

/// One epoch of the fit, as the report's training curve shows it.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Training crop side this epoch (half size during the coarse phase).
    public var resolution: Int
    public var steps: Int
    public var loss: Double
    /// e_stab of the rendered monitor frames (flow of the target crops). This, fidelity, score
    /// and correction are nil for a half-resolution epoch the monitor skipped: before a
    /// full-resolution phase they never compete for best nor stop the fit, and only the last
    /// `PriorGuard.referenceEpochs` are the guard's reference (`NICeTrainer.monitors`).
    public var eStab: Double?
    /// PSNR to the proxy over the monitor frames in the face mask (dB).
    public var fidelity: Double?
    /// Size of the fit's change to the target, RMS(output − target) / RMS(proxy − target) over the
    /// monitor frames' face mask: near 0 when the fit has gone back to the target crop (the
    /// residual mapping's zero correction; docs/benchmarks.md, "3D face prior" benchmarks). nil in old states.
    public var correction: Double?
    /// The automatic stop's score (higher is better; see `StopRule.score`).
    public var score: Double?
    public var seconds: Double
    /// Mean weighted value of each 3D-prior term this epoch (albedo, detail); nil without a prior.
    public var priorTerms: [String: Double]?
    /// Mean factor m the prior terms entered the loss with this epoch (mean e^(−s) over the
    /// face, 1 under plain L1; `NICeLoss.meanDataWeight`); nil without a prior.
    public var priorBalance: Double?
}

/// What a fit leaves behind (and what `--resume` reads back).
public struct TrainingState: Codable, Equatable, Sendable {
    public var fingerprint: String
    public var epochs: [EpochRecord] = []
    public var bestEpoch: Int?
    public var stopReason: String?
    /// The weights and Adam state after the last recorded epoch (a file in the work folder).
    /// Named per epoch and written before this state, so a kill between the two never pairs a
    /// newer checkpoint with an older record.
    public var checkpoint: String?
    /// e_stab and fidelity of the proxy itself and of the target on the monitor pairs.
    public var proxyEStab: Double = 0
    public var targetEStab: Double = 0
    /// Set when the collapse guard took the 3D prior out of this fit (`PriorGuard`).
    public var priorWithdrawal: PriorWithdrawal?

    public init(fingerprint: String) { self.fingerprint = fingerprint }
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
