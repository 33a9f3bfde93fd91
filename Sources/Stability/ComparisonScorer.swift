import Foundation
public import Flow
import Media
public import Tensor

/// The scoring of `Comparison.run` frame by frame, for a caller that already reads the videos
/// (refine's scoring pass reads each once for e_stab, fidelity and the face measures together).
/// Feed every frame in order with `add`, then `finish`.
public final class ComparisonScorer {
    private let proxies: [(name: String, path: String)]
    private let width: Int, height: Int
    private let scorer: WarpingError
    private let thumbnailWidth: Int
    private let wholeFrameFlow: Bool
    private let errorMaps: ((_ pair: Int, _ proxy: Int, _ heatMap: Image8) throws -> Void)?
    private var squared: [Double], mass = 0.0
    private var truth: Bool
    private var errors: [[Double?]]
    private var worstValue: [Double], worstIndex: [Int?]
    private var worst: [String: WorstPair] = [:]
    private var previousTarget: Image8?, previousFrames: [Image8] = [], previousTruth: Image8?
    private var index = 0

    /// `errorMaps`: called with every pair's heat map (frame pair `pair`, proxy `proxy`), for an error video.
    public init(proxies: [(name: String, path: String)], width: Int, height: Int, preset: DISOpticalFlow.Preset,
                thumbnailWidth: Int = 160, wholeFrameFlow: Bool = false, truth: Bool = false,
                errorMaps: ((_ pair: Int, _ proxy: Int, _ heatMap: Image8) throws -> Void)? = nil) {
        (self.proxies, self.width, self.height, self.thumbnailWidth, self.wholeFrameFlow, self.truth, self.errorMaps) =
            (proxies, width, height, thumbnailWidth, wholeFrameFlow, truth, errorMaps)
        scorer = WarpingError(preset: preset)
        squared = Array(repeating: 0, count: proxies.count)
        errors = Array(repeating: [], count: proxies.count)
        worstValue = Array(repeating: -1, count: proxies.count)
        worstIndex = Array(repeating: nil, count: proxies.count)
    }

    /// The next frame of the target and of every proxy (in `proxies`' order), and of the ground
    /// truth when there is one. `mask(k)`: the face mask of frame k (nil: the whole frame); it is
    /// asked for the previous frame only.
    public func add(target t: Image8, frames: [Image8], truth truthFrame: Image8? = nil, mask: (Int) throws -> [Float]?) throws {
        defer {
            previousTarget = t
            previousFrames = frames
            previousTruth = truthFrame
            index += 1
        }
        guard let previousTarget else { return }
        let m = try mask(index - 1)
        if let previousTruth { accumulateTruth(previousTruth, previousFrames, m) }
        // Flow only around the face; an empty mask scores nil without any flow.
        let faceWindow = m.flatMap { FlowWindow.around(mask: $0, width: width, height: height) }
        let emptyMask = m != nil && faceWindow == nil
        let motion = emptyMask ? nil
            : scorer.motion(previousTarget: previousTarget, target: t, window: wholeFrameFlow ? nil : faceWindow)
        for k in proxies.indices {
            let e = motion.flatMap { scorer.error(motion: $0, previousOutput: previousFrames[k], output: frames[k], mask: m) }
            errors[k].append(e)
            // Drawn at most once a pair: for the error video and a new worst pair alike.
            var drawn: Image8?
            func heatMap() -> Image8 {
                if let drawn { return drawn }
                let map = motion.map { scorer.errorMap(motion: $0, previousOutput: previousFrames[k], output: frames[k]) }
                    ?? [Float](repeating: 0, count: width * height)
                drawn = ErrorHeatMap.render(frame: previousFrames[k], error: map, mask: m)
                return drawn!
            }
            if let errorMaps { try errorMaps(index, k, heatMap()) }
            if let e, e > worstValue[k] {
                worstValue[k] = e
                worstIndex[k] = index
                worst[proxies[k].name] = WorstPair(previous: Comparison.thumbnail(previousFrames[k], width: thumbnailWidth),
                                                   current: Comparison.thumbnail(frames[k], width: thumbnailWidth),
                                                   errorMap: Comparison.thumbnail(heatMap(), width: thumbnailWidth))
            }
        }
    }

    /// The report once every frame is in: `mask` as for `add`, asked for the last frame.
    public func finish(target: String, mask source: MaskSource, preset: DISOpticalFlow.Preset,
                       mask: (Int) throws -> [Float]?) throws -> (report: ComparisonReport, worst: [String: WorstPair]) {
        if let previousTruth, index > 0 { accumulateTruth(previousTruth, previousFrames, try mask(index - 1)) }
        let scored = proxies.indices.map { k -> ComparisonReport.Proxy in
            let values = errors[k].compactMap { $0 }
            return .init(name: proxies[k].name, path: proxies[k].path, source: ProxyCatalogue.lookup(proxies[k].name),
                         frames: errors[k], mean: values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count),
                         worstFrame: worstIndex[k],
                         truthPSNR: !truth || mass == 0 ? nil : min(99, 10 * log10(mass / max(squared[k], 1e-30))))
        }
        let flow = "DIS \(preset.rawValue) on the target" + (wholeFrameFlow || source == .none ? ", whole frame" : ", in the mask's box + 25 %")
        let report = ComparisonReport(target: target, mask: source.description, flow: flow, proxies: scored,
                                      ranking: scored.sorted { $0.mean < $1.mean }.map(\.name))
        return (report, worst)
    }

    private func accumulateTruth(_ truth: Image8, _ frames: [Image8], _ mask: [Float]?) {
        for i in 0..<(width * height) {
            let m = Double(mask?[i] ?? 1)
            guard m > 0 else { continue }
            for (k, f) in frames.enumerated() {
                for c in 0..<3 {
                    let d = (Double(f.pixels[i * 3 + c]) - Double(truth.pixels[i * 3 + c])) / 255
                    squared[k] += m * d * d
                }
            }
            mass += 3 * m
        }
    }
}
