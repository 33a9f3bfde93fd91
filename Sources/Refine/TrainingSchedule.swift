import Foundation
import Tensor

/// Which frame each Adam step trains on.
public enum FrameSchedule {
    /// The frames of epoch `epoch`: the next `steps` of an endless sequence of shuffled passes over
    /// the clip, so every frame is visited equally often whatever the epoch length, and a resumed
    /// fit repeats them exactly (with steps == frames, epoch e is pass e).
    public static func epoch(_ epoch: Int, steps: Int, frames: Int, seed: UInt64) -> [Int] {
        var pass = -1, order: [Int] = []
        return (epoch * steps..<(epoch + 1) * steps).map { k in
            if k / frames != pass {
                pass = k / frames
                var random = SplitMix64(state: seed &+ UInt64(pass) &* 7919)
                order = Array(0..<frames)
                for i in stride(from: frames - 1, to: 0, by: -1) { order.swapAt(i, Int(random.next() % UInt64(i + 1))) }
            }
            return order[k % frames]
        }
    }
}

/// How many Adam steps an epoch takes: the clip's share of the step budget (`RefineOptions.visits`),
/// at least a floor of compute.
public enum StepBudget {
    /// The floor of an epoch for a crop of the largest side (`--size`, 256), 800 steps at the
    /// default cap of 20: what a fit needs is mostly a number of steps, not of visits per frame.
    /// On a 100-frame DeepFaceLive pair (Kim_Jarrey_0, σ detached while the budget was measured)
    /// 320 steps left the refined face halfway to the target's identity (dlib distance to the
    /// swap 0.42; 0.26 after the old 1920), 640 steps 0.36, 800 steps 0.29 (docs/real-footage.md,
    /// "How many steps").
    public static let minimumStepsPerEpoch = 40
    /// How many times the floor a crop smaller than `--size` may get. A step on a 128² face costs
    /// a quarter of a 256² one, and 800 steps were too few to learn its swap (Ewon_Spice_2, 128²:
    /// identity distance to the swap 0.517 and 0.469 on two seeds, 0.293 at 2000 steps;
    /// docs/real-footage.md, "Pixels × steps"); no smaller crop was measured.
    public static let maximumFloorScale = 4.0

    /// `framesPerEpoch` when given (0: the clip once; else capped at the clip's length), else
    /// `visits` × frames over the epochs, at least the floor: `minimumStepsPerEpoch` × (`size` /
    /// `cropSide`)², so a crop under the cap gets a cap-sized fit's pixels × steps (at most
    /// `maximumFloorScale` times the floor), rounded up.
    public static func stepsPerEpoch(_ options: RefineOptions, frames: Int, cropSide: Int? = nil) -> Int {
        if let fixed = options.framesPerEpoch { return fixed == 0 ? frames : min(frames, fixed) }
        let share = options.visits * Double(frames) / Double(max(options.epochs, 1))
        let side = Double(min(max(cropSide ?? options.size, 1), options.size))
        let scale = min(maximumFloorScale, Double(options.size * options.size) / (side * side))
        return max(Int((Double(minimumStepsPerEpoch) * scale).rounded(.up)), Int(share.rounded(.up)))
    }
}

/// How σ's range opens once it enters the loss (`RefineOptions.uncertaintyRamp`).
public enum UncertaintyRamp {
    /// The log-variance bound at step `step` of epoch `epoch`: linear from 1/n of the full bound
    /// at σ's first step (epoch `start`, step 0) to the full bound at its n-th, n = `epochs` ×
    /// `stepsPerEpoch`; the full bound with no ramp. A function of the step, so a resumed fit
    /// repeats it.
    public static func limit(epoch: Int, step: Int, stepsPerEpoch: Int, start: Int, epochs: Double) -> Float {
        let ramp = epochs * Double(stepsPerEpoch)
        let done = Double((epoch - start) * stepsPerEpoch + step + 1)
        guard ramp > 0, done < ramp else { return NICeLoss.logVarianceBound }
        return NICeLoss.logVarianceBound * Float(max(done, 1) / ramp)
    }

    /// How many epochs from epoch `first` on train while the range is still opening (a ramp of
    /// `epochs` starting at epoch `start`; a part epoch counts whole).
    public static func openingEpochs(from first: Int, start: Int, epochs: Double) -> Int {
        max(0, start + Int(epochs.rounded(.up)) - max(first, start))
    }
}
