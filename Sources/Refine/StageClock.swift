import Foundation

/// Where a refine's time goes and how often it reads the clip: seconds per stage and each pass
/// over the videos, for report.json (`timings`, `passes`).
struct StageClock {
    private(set) var seconds: [String: Double] = [:]
    private(set) var passes: [RefineReport.Pass] = []

    mutating func time<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer { seconds[stage, default: 0] += Date().timeIntervalSince(start) }
        return try body()
    }

    /// `body` reads `videos` through once, from the first frame to the last.
    mutating func pass<T>(_ stage: String, videos: [String], _ body: () throws -> T) rethrows -> T {
        passes.append(.init(stage: stage, videos: videos))
        return try time(stage, body)
    }

    mutating func add(_ stage: String, seconds value: Double) { seconds[stage, default: 0] += value }

    /// Moves `value` seconds out of `stage` into `part` (a part timed inside it).
    mutating func split(_ part: String, seconds value: Double, outOf stage: String) {
        seconds[part, default: 0] += value
        seconds[stage, default: 0] -= value
    }

    mutating func recordPass(_ stage: String, videos: [String]) { passes.append(.init(stage: stage, videos: videos)) }
}
