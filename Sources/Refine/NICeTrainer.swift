import Faces
import Flow
import Foundation
import Media
import Reports
import NeuralNet
import Stability
import Tensor

/// The crops one fit trains on: target (input), proxy (what to match) and face mask, all n×n.
struct ClipCrops {
    var targets: [Image8]
    var proxies: [Image8]
    var masks: [Image8]
    /// Runs of frames without a scene cut (monitor pairs never straddle one).
    var runs: [Range<Int>]
    var count: Int { targets.count }
}

/// Fits NICe's network to one clip (one frame per Adam step, shuffled epochs, coarse to fine),
/// scores every epoch on fixed monitor pairs, keeps the best weights, stops by the documented rule
/// and resumes from its last finished epoch.
final class NICeTrainer {
    let options: RefineOptions
    let crops: ClipCrops
    let network: Network
    let adam: Adam
    let loss: NICeLoss
    let architecture: String
    private let monitorFrames: [Int]
    private let monitorPairs: [(Int, Int)]
    /// What the monitor scores at one resolution: the monitor frames' crops and the target's flow
    /// over each monitor pair.
    private struct MonitorSet {
        let targets: [Int: Image8]
        let proxies: [Int: Image8]
        let masks: [Int: Image8]
        let motions: [WarpingError.Motion]
    }
    private let warping = WarpingError(preset: .fast)
    /// Seconds this run spent per part of the fit (network, loss, prior, monitor, checkpoints).
    private(set) var seconds: [String: Double] = [:]
    private func timed<T>(_ part: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { seconds[part, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        return try body()
    }

    init(options: RefineOptions, crops: ClipCrops, identity: PerceptualFeatures?) {
        self.options = options
        self.crops = crops
        network = CropRenderer.network(options)
        if options.residual {
            for name in ["out.weight", "sigma.weight"] {
                if let entry = network.parameters.entry(name) { network.parameters.value(entry).update(repeating: 0) }
            }
        }
        var settings = Adam.Settings()
        settings.learningRate = options.learningRate
        adam = Adam(parameters: network.parameters, settings: settings)
        loss = NICeLoss(options: options, identity: identity)
        loss.normalizesStep = true
        architecture = CropRenderer.architecture(options)
        // Monitor pairs: evenly spread over the consecutive pairs inside runs.
        let eligible = crops.runs.flatMap { run in run.dropLast().map { ($0, $0 + 1) } }
        let n = min(options.monitorPairs, eligible.count)
        monitorPairs = n == 0 ? [] : (0..<n).map { eligible[$0 * eligible.count / n] }
        monitorFrames = Array(Set(monitorPairs.flatMap { [$0.0, $0.1] })).sorted()
    }

    var coarseEpochs: Int { Int((Double(options.epochs) * options.coarseFraction).rounded()) }
    /// How the progress line names a coarse epoch.
    var coarseLabel: String { options.coarseInput == .patch ? " (patches)" : " (half res)" }
    /// The first epoch whose loss is weighted by σ.
    var uncertaintyStart: Int { Int((Double(coarseEpochs) * options.uncertaintyWarmup).rounded()) }
    /// Full-resolution epochs the plateau rule does not judge: those σ's range is still opening
    /// in, while the loss's weighting changes under the fit and its score dips.
    var settlingEpochs: Int {
        options.uncertainty ? UncertaintyRamp.openingEpochs(from: coarseEpochs, start: uncertaintyStart, epochs: options.uncertaintyRamp) : 0
    }
    var stepsPerEpoch: Int {
        StepBudget.stepsPerEpoch(options, frames: crops.count, cropSide: crops.targets.first?.width)
    }
    /// σ's log-variance bound at step `step` of epoch `epoch` (`UncertaintyRamp`).
    func logVarianceLimit(epoch: Int, step: Int) -> Float {
        UncertaintyRamp.limit(epoch: epoch, step: step, stepsPerEpoch: stepsPerEpoch, start: uncertaintyStart, epochs: options.uncertaintyRamp)
    }

    /// Whether epoch `epoch` is scored. A half-resolution epoch followed by a full-resolution
    /// phase competes for nothing (the best is chosen among full-resolution epochs, and the coarse
    /// phase runs its share whatever its score), so only the last `StopRule.PriorGuard.referenceEpochs`
    /// are, for the guard's reference and the curve: the monitor renders 16 crops and 8 pairs'
    /// errors, on a DeepFaceLive pair about a third of an epoch's 40 steps.
    func monitors(_ epoch: Int) -> Bool {
        epoch >= coarseEpochs - StopRule.PriorGuard.referenceEpochs || coarseEpochs >= options.epochs
    }

    /// Writes the weights (and Adam state) through `AtomicOutput`, so an interrupt removes a
    /// checkpoint half written and readers see the old file or the whole new one.
    private func saveCheckpoint(optimizer: Adam?, to path: String) throws {
        try AtomicOutput.write(try Checkpoint.encode(network.parameters, optimizer: optimizer, architecture: architecture), to: path)
    }

    /// Where a fit in `work` keeps its best weights.
    static func bestCheckpoint(in work: String) -> String { work + "/best.safetensors" }

    /// Trains until the stop rule or the epoch cap; `work` holds the checkpoints and state.
    func fit(work: String, fingerprint: String, resume: Bool, progress: ((String) -> Void)?) throws -> TrainingState {
        let statePath = work + "/state.json", best = Self.bestCheckpoint(in: work)
        let full = monitorSet(targets: crops.targets, proxies: crops.proxies, masks: crops.masks)
        var state = TrainingState(fingerprint: fingerprint)
        if resume, let data = FileManager.default.contents(atPath: statePath),
           let saved = try? JSONDecoder().decode(TrainingState.self, from: data), saved.fingerprint == fingerprint,
           let checkpoint = saved.checkpoint, FileManager.default.fileExists(atPath: work + "/" + checkpoint) {
            try Checkpoint.load(work + "/" + checkpoint, into: network.parameters, optimizer: adam, architecture: architecture)
            state = saved
            progress?("resuming after epoch \(saved.epochs.count)")
        } else {
            state.proxyEStab = meanEStab(full) { full.proxies[$0]! }
            state.targetEStab = meanEStab(full) { full.targets[$0]! }
        }
        if state.priorWithdrawal != nil { loss.extraTerms = [] }
        let half = crops.targets.map { boxShrink($0, 2) }, halfProxies = crops.proxies.map { boxShrink($0, 2) }
        let halfMasks = crops.masks.map { boxShrink($0, 2) }
        // Coarse epochs followed by a fine phase never compete for best. Half-size crops are
        // scored at the size they train at, for a quarter of the cost; windows on whole crops, as
        // the fine epochs are (the collapse guard's reference then has the fine epochs' scale).
        let patches = options.coarseInput == .patch
        let coarseMonitor = !patches && coarseEpochs < options.epochs && state.epochs.count < coarseEpochs
            ? monitorSet(targets: half, proxies: halfProxies, masks: halfMasks) : nil
        let coarseTargetEStab = coarseMonitor.map { m in meanEStab(m) { m.targets[$0]! } }
        let regions = crops.masks.map { Self.trainingRegion($0) }, halfRegions = halfMasks.map { Self.trainingRegion($0) }
        var fitStart = Date(), startEpoch = state.epochs.count, stepsDone = 0
        // Remaining time at the cap: fine steps cost about 4× coarse ones (4× the pixels).
        func eta(_ epoch: Int) -> Double {
            guard stepsDone > 0 else { return 0 }
            let cost = { (e: Int) -> Double in e < self.coarseEpochs ? 1 : 4 }
            let spent = (startEpoch..<epoch).reduce(0.0) { $0 + cost($1) } * Double(stepsPerEpoch) + cost(epoch) * Double(stepsDone % stepsPerEpoch)
            let left = (epoch..<options.epochs).reduce(0.0) { $0 + cost($1) } * Double(stepsPerEpoch) - cost(epoch) * Double(stepsDone % stepsPerEpoch)
            return spent > 0 ? Date().timeIntervalSince(fitStart) / spent * left : 0
        }
        // The coarse phase runs its full share of the cap even when its own score is flat: a fit
        // whose half-resolution phase was cut at its plateau ended ~1 dB worse against the truth.
        let fineFollows = coarseEpochs < options.epochs
        // The collapse guard needs the half-resolution phase's correction as its reference and its
        // last weights to restart from.
        let guarded = options.priorGuard > 0 && !loss.extraTerms.isEmpty && fineFollows && coarseEpochs > 0
        let coarseCheckpoint = "coarse.safetensors"
        while true {
            // A fit that ends on weights the prior has pulled back to the target crop is trained
            // again without it (checked here, so a resume after the stop's state write repeats it).
            if guarded, !loss.extraTerms.isEmpty, state.stopReason != nil || state.epochs.count >= options.epochs,
               let withdrawal = StopRule.PriorGuard.judge(state, coarseEpochs: coarseEpochs, fraction: options.priorGuard) {
                try withdrawPrior(withdrawal, state: &state, work: work, checkpoint: coarseCheckpoint, statePath: statePath)
                progress?("3D prior " + withdrawal.summary)
                (fitStart, startEpoch, stepsDone) = (Date(), state.epochs.count, 0)
            }
            guard state.epochs.count < options.epochs, state.stopReason == nil else { break }
            let epoch = state.epochs.count
            let start = Date()
            let coarse = epoch < coarseEpochs
            let firstFine = epoch == coarseEpochs
            loss.uncertainty = options.uncertainty && epoch >= uncertaintyStart
            let order = FrameSchedule.epoch(epoch, steps: stepsPerEpoch, frames: crops.count, seed: options.seed)
            var total = 0.0, finite = 0
            var extra = [Double](repeating: 0, count: loss.extraNames.count), balance = 0.0, priorSteps = 0
            for (k, t) in order.enumerated() {
                loss.logVarianceLimit = logVarianceLimit(epoch: epoch, step: k)
                let value: Float, terms: [Float], withPrior: Bool
                if coarse && patches {
                    // The 3D prior's terms read a whole crop; a window trains the data terms alone.
                    var random = SplitMix64(seed: options.seed, stream: 0x7061_7463_68, index: UInt64(epoch * 1_000_003 + k))
                    let n = crops.targets[t].width
                    let window = TrainingPatch.draw(in: regions[t], n: n, side: n / 2, using: &random)
                    let held = loss.extraTerms
                    loss.extraTerms = []
                    (value, terms) = step(input: window.cut(crops.targets[t]), reference: window.cut(crops.proxies[t]),
                                          region: window.cut(regions[t], width: n), frame: t)
                    loss.extraTerms = held
                    withPrior = false
                } else {
                    (value, terms) = step(input: coarse ? half[t] : crops.targets[t], reference: coarse ? halfProxies[t] : crops.proxies[t],
                                          region: coarse ? halfRegions[t] : regions[t], frame: t)
                    withPrior = !extra.isEmpty
                }
                if value.isFinite {
                    total += Double(value)
                    finite += 1
                    if withPrior {
                        for (i, v) in terms.suffix(extra.count).enumerated() { extra[i] += Double(v) }
                        balance += Double(loss.lastBalance)
                        priorSteps += 1
                    }
                }
                stepsDone += 1
                FailPoint.kill("step", epoch * stepsPerEpoch + k)
                progress?(String(format: "epoch %d/%d%@ step %d/%d loss %.4f, ETA at the cap %.0fs", epoch + 1, options.epochs,
                                 coarse ? coarseLabel : "", k + 1, order.count, total / Double(max(finite, 1)), eta(epoch)))
            }
            var record = EpochRecord(epoch: epoch + 1, resolution: coarse ? options.side / 2 : options.side, steps: order.count,
                                     loss: total / Double(max(finite, 1)), seconds: 0)
            if monitors(epoch) {
                let (eStab, fidelity, correction) = timed("monitor") { monitor(coarse ? coarseMonitor ?? full : full) }
                record.eStab = eStab.isFinite ? eStab : 1
                record.fidelity = fidelity.isFinite ? fidelity : 0
                record.correction = correction.isFinite ? correction : nil
                record.score = StopRule.score(record, proxyEStab: state.proxyEStab,
                                          targetEStab: coarse ? coarseTargetEStab ?? state.targetEStab : state.targetEStab)
            }
            record.seconds = Date().timeIntervalSince(start)
            if !extra.isEmpty, priorSteps > 0 {
                record.priorTerms = Dictionary(uniqueKeysWithValues: zip(loss.extraNames, extra.map { $0 / Double(priorSteps) }))
                record.priorBalance = balance / Double(priorSteps)
            }
            state.epochs.append(record)
            let previous = state.checkpoint
            state.checkpoint = "epoch-\(record.epoch).safetensors"
            try timed("checkpoints") {
                try saveCheckpoint(optimizer: adam, to: work + "/" + state.checkpoint!)
                if guarded, epoch == coarseEpochs - 1 {
                    try saveCheckpoint(optimizer: adam, to: work + "/" + coarseCheckpoint)
                }
            }
            FailPoint.kill("checkpoint", record.epoch)
            if StopRule.isNewBest(record, state: state, firstFine: firstFine) {
                state.bestEpoch = record.epoch
                try timed("checkpoints") { try saveCheckpoint(optimizer: nil, to: best) }
            }
            if options.stop == .automatic, !coarse || !fineFollows {
                state.stopReason = StopRule.plateauStop(state.epochs, judgedFrom: coarse ? 0 : min(state.epochs.count, coarseEpochs + settlingEpochs),
                                                        patience: options.patience, delta: options.minImprovement)
            }
            if state.stopReason == nil, state.epochs.count == options.epochs { state.stopReason = "epoch cap (\(options.epochs))" }
            try write(state, to: statePath)
            if let previous, previous != state.checkpoint { try? FileManager.default.removeItem(atPath: work + "/" + previous) }
            if let eStab = record.eStab, let fidelity = record.fidelity, let score = record.score {
                progress?(String(format: "epoch %d: e_stab %.3g (proxy %.3g, target %.3g), fidelity %.2f dB, score %.3f%@",
                                 record.epoch, eStab, state.proxyEStab, state.targetEStab, fidelity, score,
                                 state.bestEpoch == record.epoch ? " (best)" : ""))
            } else {
                progress?(String(format: "epoch %d%@: loss %.4f", record.epoch, coarseLabel, record.loss))
            }
        }
        try Checkpoint.load(best, into: network.parameters, optimizer: nil, architecture: architecture)
        // σ is drawn with the bound the best weights trained under (narrower while a ramp opens).
        if let bestEpoch = state.bestEpoch { loss.logVarianceLimit = logVarianceLimit(epoch: bestEpoch - 1, step: stepsPerEpoch - 1) }
        return state
    }

    /// Takes the 3D prior out of the fit and rewinds it to the end of its half-resolution phase
    /// (weights and Adam state from `checkpoint`): the full-resolution epochs trained with the
    /// prior leave the curve for `withdrawal.discarded`. The state is written before the newer
    /// checkpoint goes, so a kill in between resumes into the same decision.
    private func withdrawPrior(_ withdrawal: PriorWithdrawal, state: inout TrainingState, work: String, checkpoint: String,
                               statePath: String) throws {
        try Checkpoint.load(work + "/" + checkpoint, into: network.parameters, optimizer: adam, architecture: architecture)
        loss.extraTerms = []
        let previous = state.checkpoint
        state.priorWithdrawal = withdrawal
        state.epochs.removeSubrange(coarseEpochs...)
        state.bestEpoch = nil  // best.safetensors holds a discarded epoch; the next (full-resolution) epoch replaces it
        state.stopReason = nil
        state.checkpoint = checkpoint
        try write(state, to: statePath)
        if let previous, previous != checkpoint { try? FileManager.default.removeItem(atPath: work + "/" + previous) }
    }

    /// Where the loss counts: the paste mask (`PasteMask`: the swap's footprint, grown)
    /// grown by a further 1/16 of the crop. Its edge lies outside the footprint, where the proxy is
    /// the target, so the network learns to agree with both there and the paste's edge shows
    /// nothing; the rest of the crop is never pasted.
    static func trainingRegion(_ mask: Image8) -> [Float] {
        let n = mask.width, radius = max(1, n / 16)
        let on = mask.pixels.map { Float($0) > 12 ? Float(1) : 0 }
        let grown = FaceMask.boxBlur(on, radius: radius, width: n, height: mask.height).map { $0 > 0.01 ? Float(1) : 0 }
        return grown.contains(1) ? grown : [Float](repeating: 1, count: grown.count)
    }

    /// One Adam step on one frame; returns the loss.
    func step(input: Image8, reference: Image8, region: [Float], frame: Int) -> (Float, [Float]) {
        let x = tensor(input), r = tensor(reference)
        let y = timed("network") { output(x) }
        let g = Tensor(y.shape)
        let priorBefore = loss.extraSeconds
        let (value, terms) = timed("loss") { loss.evaluate(output: y, reference: r, gradient: g, region: region, frame: frame) }
        let prior = loss.extraSeconds - priorBefore
        if prior > 0 {  // the 3D terms run inside the loss: count them apart
            seconds["prior", default: 0] += prior
            seconds["loss", default: 0] -= prior
        }
        // A non-finite loss (a diverging step) must not reach Adam's moments: skip the step.
        guard value.isFinite, g.values.allSatisfy(\.isFinite) else { return (.nan, terms) }
        timed("network") {
            network.parameters.zeroGradients()
            network.backward(g)
            adam.update()
        }
        return (value, terms)
    }

    /// The current weights as a renderer, σ bounded as the loss bounds it now.
    var renderer: CropRenderer { CropRenderer(network: network, residual: options.residual, logVarianceLimit: loss.logVarianceLimit) }

    private func output(_ x: Tensor) -> Tensor { renderer.output(x) }

    func render(_ input: Image8) -> (rgb: [Float], sigma: [Float]) { renderer.render(input) }

    /// The monitor frames of these crops (all frames, one size) and the target's flow over each pair.
    private func monitorSet(targets: [Image8], proxies: [Image8], masks: [Image8]) -> MonitorSet {
        let pick = { (images: [Image8]) in Dictionary(uniqueKeysWithValues: self.monitorFrames.map { ($0, images[$0]) }) }
        return MonitorSet(targets: pick(targets), proxies: pick(proxies), masks: pick(masks),
                          motions: monitorPairs.map { warping.motion(previousTarget: targets[$0.0], target: targets[$0.1]) })
    }

    /// e_stab, masked PSNR to the proxy and the correction's relative size (`EpochRecord`) of
    /// the current network on the monitor frames.
    private func monitor(_ set: MonitorSet) -> (eStab: Double, fidelity: Double, correction: Double) {
        var outputs: [Int: Image8] = [:]
        var squared = 0.0, weight = 0.0, changed = 0.0, swapped = 0.0
        for t in monitorFrames {
            let target = set.targets[t]!
            let (rgb, _) = render(target)
            let mask = set.masks[t]!, proxy = set.proxies[t]!
            // Scored as delivered: pasted onto the target through the paste mask.
            let image = Self.pasted(interleave(rgb, size: target.width), onto: target, mask: mask)
            outputs[t] = image
            for i in 0..<(mask.width * mask.height) {
                let m = Double(mask.pixels[i]) / 255
                guard m > 0 else { continue }
                for c in 0..<3 {
                    let out = Double(image.pixels[i * 3 + c]), reference = Double(proxy.pixels[i * 3 + c])
                    let source = Double(target.pixels[i * 3 + c])
                    let d = (out - reference) / 255
                    squared += m * d * d
                    changed += m * (out - source) * (out - source)
                    swapped += m * (reference - source) * (reference - source)
                }
                weight += 3 * m
            }
        }
        let eStab = meanEStab(set) { outputs[$0]! }
        let mse = weight > 0 ? squared / weight : 0
        return (eStab, mse > 0 ? 10 * log10(1 / mse) : 99, swapped > 0 ? (changed / swapped).squareRoot() : 0)
    }

    /// `crop` blended onto `base` through `mask` (gray, 0…255), as the write pass pastes it.
    static func pasted(_ crop: Image8, onto base: Image8, mask: Image8) -> Image8 {
        var out = base
        for i in 0..<(mask.width * mask.height) {
            let m = Float(mask.pixels[i]) / 255
            for c in 0..<3 {
                let o = i * 3 + c
                out.pixels[o] = UInt8((Float(base.pixels[o]) * (1 - m) + Float(crop.pixels[o]) * m).rounded())
            }
        }
        return out
    }

    /// Mean e_stab over the monitor pairs of the frames `frame` gives, on the set's flow and masks.
    private func meanEStab(_ set: MonitorSet, _ frame: (Int) -> Image8) -> Double {
        let values = zip(monitorPairs, set.motions).compactMap { pair, motion in
            warping.error(motion: motion, previousOutput: frame(pair.0), output: frame(pair.1),
                          mask: set.masks[pair.0]!.pixels.map { Float($0) / 255 })
        }
        return values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    private func write(_ state: TrainingState, to path: String) throws {
        try ReportFiles.writeJSON(state, to: path)
    }
}

/// [1, 3, h, w] in [0, 1] from an RGB image.
func tensor(_ image: Image8) -> Tensor {
    let plane = image.width * image.height
    let x = Tensor(Shape(1, 3, image.height, image.width))
    for c in 0..<3 { for i in 0..<plane { x.pointer[c * plane + i] = Float(image.pixels[i * image.channels + c]) / 255 } }
    return x
}

/// RGB image from planar values in [0, 1].
func interleave(_ planes: [Float], size n: Int) -> Image8 {
    let plane = n * n
    var image = Image8(width: n, height: n, channels: 3)
    for i in 0..<plane { for c in 0..<3 { image.pixels[i * 3 + c] = quantize(planes[c * plane + i]) } }
    return image
}
