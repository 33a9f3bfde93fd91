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
    /// The automatic stop's score (higher is better; see `NICeTrainer.score`).
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
