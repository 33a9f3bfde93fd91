/// Target, swap and refined video scored on the same flow and masks, pair by pair, summed up as
/// the real-footage bar reads them. Medians beside means: on real footage a few flow failures
/// on fast motion dominate a mean.
public struct FlickerSummary: Codable, Equatable, Sendable {
    public struct Figures: Codable, Equatable, Sendable {
        public var mean: Double
        public var median: Double
    }

    public var target: Figures
    public var proxy: Figures
    public var refined: Figures
    /// Share of the swap's flicker above the target's that refining removed, on medians:
    /// (proxy − refined) / (proxy − target); nil where the swap is about as stable as the target
    /// (median under 1.1× the target's), where the share would be noise over noise.
    public var extraFlickerRemoved: Double?
    /// Share of frame pairs where the refined video flickers more than 1.5× both swap and target.
    public var pairsWorseThanBoth: Double
    /// Frame pairs scored in all three.
    public var pairs: Int
    /// The refined video is less stable than the swap it was given (median or mean): it is
    /// delivered with a warning, never as a success.
    public var lessStableThanProxy: Bool

    /// From per-pair e_stab values (nil: a pair not scored) of the three videos.
    public init(target: [Double?], proxy: [Double?], refined: [Double?]) {
        let scored = (0..<min(target.count, proxy.count, refined.count)).compactMap { k -> (Double, Double, Double)? in
            guard let t = target[k], let p = proxy[k], let r = refined[k] else { return nil }
            return (t, p, r)
        }
        func figures(_ values: [Double]) -> Figures {
            guard !values.isEmpty else { return Figures(mean: 0, median: 0) }
            return Figures(mean: values.reduce(0, +) / Double(values.count), median: Self.median(values))
        }
        self.target = figures(scored.map(\.0))
        self.proxy = figures(scored.map(\.1))
        self.refined = figures(scored.map(\.2))
        pairs = scored.count
        let extra = self.proxy.median - self.target.median
        extraFlickerRemoved = self.proxy.median >= 1.1 * self.target.median && extra > 0
            ? (self.proxy.median - self.refined.median) / extra : nil
        pairsWorseThanBoth = scored.isEmpty ? 0
            : Double(scored.filter { $0.2 > 1.5 * max($0.0, $0.1) }.count) / Double(scored.count)
        lessStableThanProxy = self.refined.median > self.proxy.median || self.refined.mean > self.proxy.mean
    }

    /// The warning the summary line and the report carry when the refined video is worse; nil when it is not.
    public var warning: String? {
        guard lessStableThanProxy else { return nil }
        return String(format: "the refined video is LESS stable than the proxy (e_stab median %.3g vs %.3g, mean %.3g vs %.3g; "
                      + "%.0f %% of frame pairs flicker more than 1.5× both proxy and target)",
                      refined.median, proxy.median, refined.mean, proxy.mean, 100 * pairsWorseThanBoth)
    }

    /// The middle value (the mean of the two middle ones for an even count); `values` not empty.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted(), n = sorted.count
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}
