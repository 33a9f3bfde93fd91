import Media

/// A deterministic share of a batch's items: item i belongs to shard K of N when i mod N == K, so
/// shards stay balanced whatever the items' order of cost. K and N come from `--shard K/N`, else
/// from a Slurm job array (`SLURM_ARRAY_TASK_ID` less `SLURM_ARRAY_TASK_MIN`, of
/// `SLURM_ARRAY_TASK_COUNT`) or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, of the
/// count given as `--shard-count` or `NICER_SHARD_COUNT`); else the whole batch.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) { (self.index, self.count) = (index, count) }

    /// "K/N", 0 ≤ K < N.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n > 0, (0..<n).contains(k) else {
            throw PipelineError("--shard must be K/N with 0 <= K < N, got '\(text)'")
        }
        self.init(index: k, count: n)
    }

    public static func resolve(_ given: String?, environment: [String: String]) throws -> (shard: Shard, source: String) {
        if let given { return (try Shard(parsing: given), "--shard") }
        if let id = environment["SLURM_ARRAY_TASK_ID"].flatMap(Int.init) {
            guard let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init), count > 0 else {
                throw PipelineError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (run as an sbatch --array job)")
            }
            let first = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            guard (0..<count).contains(id - first) else {
                throw PipelineError("Slurm array task \(id) lies outside \(first)…\(first + count - 1) (use --array=0-\(count - 1))")
            }
            return (Shard(index: id - first, count: count), "Slurm array")
        }
        if let index = environment["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
            guard let count = environment["NICER_SHARD_COUNT"].flatMap(Int.init), count > 0, (0..<count).contains(index) else {
                throw PipelineError("JOB_COMPLETION_INDEX is set: give the Job's completions as NICER_SHARD_COUNT (the manifest nicer batch plan writes does)")
            }
            return (Shard(index: index, count: count), "Kubernetes Indexed Job")
        }
        return (.whole, "whole batch")
    }

    public func contains(_ position: Int) -> Bool { position % count == index }

    public var description: String { "\(index)/\(count)" }
}
