import Foundation
import Refine
import XCTest

/// The collapse guard's rule on measured curves (docs/reference.md and docs/benchmarks.md, "3D face prior" benchmarks: 256² fits
/// with the landmark prior and `--prior-guard 0`, 18 half-resolution epochs): standard seed 3,
/// which went back to the target crop at the switch to full resolution; skin-transfer seed 2,
/// which did not; standard seeds 1 and 6, which dipped while σ's range opened and recovered.
final class PriorGuardTests: XCTestCase {
    static let coarseEpochs = 18
    /// Corrections per epoch and the best epoch of each fit.
    static let collapsed = [0.073, 0.421, 0.404, 0.437, 0.541, 0.589, 0.61, 0.583, 0.634, 0.56, 0.576, 0.568, 0.57, 0.646,
                            0.536, 0.571, 0.603, 0.696, 0.269, 0.214, 0.154, 0.089, 0.15, 0.099]
    static let collapsedBest = 21
    static let sound = [0.21, 0.539, 0.393, 0.494, 0.474, 0.54, 0.449, 0.483, 0.53, 0.469, 0.629, 0.519, 0.482, 0.602,
                        0.527, 0.545, 0.55, 0.535, 0.567, 0.409, 0.429, 0.473, 0.417, 0.449, 0.486]
    static let soundBest = 24
    static let dipped = [0.049, 0.766, 0.693, 0.55, 0.605, 0.821, 0.717, 0.886, 0.559, 0.65, 0.718, 0.692, 0.585, 0.586,
                         0.66, 0.68, 0.554, 0.644, 1.186, 0.158, 0.48, 0.651, 0.677, 0.544, 0.591, 0.708, 0.538, 0.49, 0.664, 0.47]
    static let dippedBest = 29
    /// Standard seed 6: 0.29 and 0.28 in the two epochs σ's range opens in.
    static let dippedTwice = [0.216, 0.04, 0.389, 0.586, 0.502, 0.518, 0.518, 0.821, 0.575, 0.571, 0.604, 0.704, 0.569, 0.59,
                              0.691, 0.661, 0.596, 0.625, 0.292, 0.284, 0.514, 0.64, 0.481, 0.684, 0.696, 0.46, 0.716]
    static let dippedTwiceBest = 25

    /// Epoch records with only the fields the guard reads filled in (decoded, as a state file is).
    static func curve(_ corrections: [Double?]) throws -> [EpochRecord] {
        try corrections.enumerated().map { k, c in
            var fields: [String: Any] = ["epoch": k + 1, "resolution": k < coarseEpochs ? 128 : 256, "steps": 32, "loss": 0.1,
                                         "eStab": 0.01, "fidelity": 22.0, "score": 22.0, "seconds": 1.0]
            if let c { fields["correction"] = c }
            return try JSONDecoder().decode(EpochRecord.self, from: JSONSerialization.data(withJSONObject: fields))
        }
    }

    static func state(_ corrections: [Double], best: Int) throws -> TrainingState {
        var state = TrainingState(fingerprint: "f")
        state.epochs = try curve(corrections)
        state.bestEpoch = best
        state.stopReason = "no gain"
        return state
    }

    func judge(_ corrections: [Double], best: Int, fraction: Double = RefineOptions().priorGuard) throws -> PriorWithdrawal? {
        StopRule.PriorGuard.judge(try Self.state(corrections, best: best), coarseEpochs: Self.coarseEpochs, fraction: fraction)
    }

    func testWithdrawsFromTheCollapsedFitOnly() throws {
        let reference = try XCTUnwrap(StopRule.PriorGuard.reference(try Self.curve(Self.collapsed), coarseEpochs: Self.coarseEpochs))
        XCTAssertEqual(reference, (0.571 + 0.603 + 0.696) / 3, accuracy: 1e-12, "the last three half-resolution epochs")
        let withdrawal = try XCTUnwrap(try judge(Self.collapsed, best: Self.collapsedBest))
        XCTAssertEqual(withdrawal.epoch, 21)
        XCTAssertEqual(withdrawal.correction, 0.154)
        XCTAssertEqual(withdrawal.discarded.map(\.epoch), Array(19...24), "every full-resolution epoch goes")
        XCTAssertNil(try judge(Self.sound, best: Self.soundBest))
        XCTAssertNil(try judge(Self.dipped, best: Self.dippedBest), "judged on its best epoch, not its dip")
        XCTAssertNil(try judge(Self.dippedTwice, best: Self.dippedTwiceBest))
        XCTAssertNil(try judge(Self.collapsed, best: Self.collapsedBest, fraction: 0), "0 turns the guard off")
        // Judging every epoch would have withdrawn the prior from the fit that dipped.
        let dipReference = try XCTUnwrap(StopRule.PriorGuard.reference(try Self.curve(Self.dipped), coarseEpochs: Self.coarseEpochs))
        XCTAssertTrue(StopRule.PriorGuard.tripped(try Self.curve(Self.dipped)[19], reference: dipReference, fraction: 0.5))
    }

    func testJudgesOnlyAFullResolutionBestEpoch() throws {
        XCTAssertNil(try judge(Self.collapsed, best: 18), "a half-resolution best (a fit without a full-resolution phase yet)")
        var state = try Self.state(Self.collapsed, best: 21)
        state.bestEpoch = nil
        XCTAssertNil(StopRule.PriorGuard.judge(state, coarseEpochs: Self.coarseEpochs, fraction: 0.5))
        XCTAssertNil(StopRule.PriorGuard.judge(try Self.state(Self.collapsed, best: 21), coarseEpochs: 0, fraction: 0.5), "no half-resolution phase")
    }

    func testNoReferenceWithoutHalfResolutionCorrections() throws {
        XCTAssertNil(StopRule.PriorGuard.reference(try Self.curve(Self.collapsed), coarseEpochs: 0), "no half-resolution phase")
        XCTAssertNil(StopRule.PriorGuard.reference(try Self.curve(Array(Self.collapsed.prefix(10))), coarseEpochs: Self.coarseEpochs),
                     "the phase has not ended")
        var older: [Double?] = Self.collapsed
        older[17] = nil
        XCTAssertNil(StopRule.PriorGuard.reference(try Self.curve(older), coarseEpochs: Self.coarseEpochs), "a record from before `correction`")
        XCTAssertNil(StopRule.PriorGuard.reference(try Self.curve(Array(repeating: 0, count: 20)), coarseEpochs: Self.coarseEpochs),
                     "a fit that never moved the crop gives no scale")
        let missing = try Self.curve([nil])[0]
        XCTAssertFalse(StopRule.PriorGuard.tripped(missing, reference: 0.5, fraction: 0.5))
    }

    /// A state written before the guard existed still resumes; one with a withdrawal keeps it.
    func testTrainingStateRoundTripsTheWithdrawal() throws {
        let old = #"{"fingerprint": "f", "epochs": [], "proxyEStab": 0.1, "targetEStab": 0.01}"#
        XCTAssertNil(try JSONDecoder().decode(TrainingState.self, from: Data(old.utf8)).priorWithdrawal)
        let records = try Self.curve(Self.collapsed)
        var state = TrainingState(fingerprint: "f")
        state.epochs = Array(records.prefix(Self.coarseEpochs))
        state.priorWithdrawal = PriorWithdrawal(epoch: 19, correction: 0.269, reference: 0.623, fraction: 0.5,
                                                discarded: [records[18]])
        let decoded = try JSONDecoder().decode(TrainingState.self, from: JSONEncoder().encode(state))
        XCTAssertEqual(decoded, state)
        XCTAssertTrue(state.priorWithdrawal!.summary.contains("trained again from epoch 18"), state.priorWithdrawal!.summary)
    }
}
