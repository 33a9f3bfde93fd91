import Foundation

/// Landmark-based measures of what swappers get wrong over time, on the 68-point layout.
public enum FaceMetrics {
    static func distance(_ a: Landmark, _ b: Landmark) -> Double { hypot(Double(a.x - b.x), Double(a.y - b.y)) }

    /// Eye opening, the eye aspect ratio (|p2 − p6| + |p3 − p5|) / (2·|p1 − p4|), averaged over both eyes.
    public static func eyeOpening(_ p: [Landmark]) -> Double {
        func ratio(_ e: Int) -> Double {
            let width = distance(p[e], p[e + 3])
            return width > 0 ? (distance(p[e + 1], p[e + 5]) + distance(p[e + 2], p[e + 4])) / (2 * width) : 0
        }
        return (ratio(36) + ratio(42)) / 2
    }

    /// Mouth opening: inner-lip height over inner-lip width, |p62 − p66| / |p60 − p64|.
    public static func mouthOpening(_ p: [Landmark]) -> Double {
        let width = distance(p[60], p[64])
        return width > 0 ? distance(p[62], p[66]) / width : 0
    }

    /// Distance between the eye centres, the scale the other measures are normalised by.
    public static func interocular(_ p: [Landmark]) -> Double {
        func centre(_ e: Int) -> (Double, Double) {
            let eye = p[e..<(e + 6)]
            return (eye.map { Double($0.x) }.reduce(0, +) / 6, eye.map { Double($0.y) }.reduce(0, +) / 6)
        }
        let (a, b) = (centre(36), centre(42))
        return hypot(a.0 - b.0, a.1 - b.1)
    }

    /// Mean |opening(output) − opening(target)| over frames: how far a swap's eyes and mouth stray
    /// from the target's expression.
    public static func openingConsistency(output: [[Landmark]], target: [[Landmark]]) -> (eyes: Double, mouth: Double) {
        precondition(output.count == target.count && !output.isEmpty, "one landmark set per frame for both")
        let n = Double(output.count)
        let eyes = zip(output, target).map { abs(eyeOpening($0) - eyeOpening($1)) }.reduce(0, +) / n
        let mouth = zip(output, target).map { abs(mouthOpening($0) - mouthOpening($1)) }.reduce(0, +) / n
        return (eyes, mouth)
    }

    /// Landmark jitter: mean second difference |p(t+1) − 2p(t) + p(t−1)| over points and frames,
    /// in inter-ocular distances. Steady motion scores 0; shaking does not.
    public static func jitter(_ frames: [[Landmark]]) -> Double {
        guard frames.count >= 3 else { return 0 }
        var total = 0.0, count = 0
        for t in 1..<(frames.count - 1) {
            let scale = max(interocular(frames[t]), 1)
            for i in frames[t].indices {
                let ax = frames[t + 1][i].x - 2 * frames[t][i].x + frames[t - 1][i].x
                let ay = frames[t + 1][i].y - 2 * frames[t][i].y + frames[t - 1][i].y
                total += hypot(Double(ax), Double(ay)) / scale
                count += 1
            }
        }
        return total / Double(count)
    }
}
