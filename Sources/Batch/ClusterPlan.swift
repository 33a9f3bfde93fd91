import Foundation

/// Job files that run a batch on a cluster, one shard a task: an `sbatch --array` script for
/// Slurm, an Indexed Job manifest for Kubernetes. Every task runs `nicer batch run` on the same
/// folder, so the folder must be on storage all nodes share (NFS, Lustre, a ReadWriteMany volume).
public enum ClusterPlan {
    public struct Resources: Sendable {
        public var tasks: Int
        public var cores: Int
        public var memoryGB: Int
        public var seconds: Int
    }

    /// Per task: its share's estimated time × 2 (VMs vary by ~30 %, items by more) + 10 minutes,
    /// the cores asked, and memory for the largest frames (refine peaked at 1.5 GB on 1080p).
    public static func resources(_ plan: BatchPlan, tasks: Int, cores: Int) -> Resources {
        let shares = (0..<tasks).map { k in plan.items(in: Shard(index: k, count: tasks)).reduce(0.0) { $0 + BatchPlan.estimatedSeconds($1) } }
        let largest = plan.items.map(\.megapixels).max() ?? 0.3
        return Resources(tasks: tasks, cores: cores, memoryGB: largest > 1 ? 4 : 2,
                         seconds: Int((shares.max() ?? 0) * 2 * 2 / Double(max(cores, 1))) + 600)
    }

    static func hms(_ seconds: Int) -> String { String(format: "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60) }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// `command`: the `nicer batch run …` words every task runs (its shard comes from the array).
    public static func slurm(_ r: Resources, command: [String], folder: String) -> String {
        """
        #!/bin/bash
        # nicer batch on Slurm: one array task per shard. Submit with: sbatch \(folder)/batch.sbatch
        # Every task works in \(folder), which must be on storage all nodes share.
        #SBATCH --job-name=nicer-batch
        #SBATCH --array=0-\(r.tasks - 1)
        #SBATCH --cpus-per-task=\(r.cores)
        #SBATCH --mem=\(r.memoryGB)G
        #SBATCH --time=\(hms(r.seconds))
        #SBATCH --output=\(folder)/logs/slurm-%A_%a.out
        set -euo pipefail
        export OPENBLAS_NUM_THREADS=${SLURM_CPUS_PER_TASK:-\(r.cores)}
        exec \(command.map(quote).joined(separator: " "))

        """
    }

    /// Writes `batch.sbatch` into `folder` and makes its logs folder: Slurm opens a task's
    /// `--output` file before the script starts, and a task whose folder is missing dies unlogged.
    public static func writeSlurm(_ r: Resources, command: [String], folder: String) throws -> String {
        let logs = folder + "/logs"
        try BatchFiles.makeFolder(logs, "the logs folder")
        let file = folder + "/batch.sbatch"
        try BatchFiles.write(slurm(r, command: command, folder: folder), to: file, executable: true)
        return file
    }

    /// An Indexed Job: `completions` = `parallelism` = tasks, the shard count in NICER_SHARD_COUNT;
    /// `volume` names a PersistentVolumeClaim mounted at `mount`, which must hold the dataset and the folder.
    public static func kubernetes(_ r: Resources, command: [String], image: String, volume: String, mount: String) -> String {
        let args = command.map { "            - " + yaml($0) }.joined(separator: "\n")
        return """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: nicer-batch
        spec:
          completionMode: Indexed
          completions: \(r.tasks)
          parallelism: \(r.tasks)
          backoffLimitPerIndex: 2
          maxFailedIndexes: \(r.tasks)
          template:
            spec:
              restartPolicy: Never
              activeDeadlineSeconds: \(r.seconds)
              containers:
                - name: nicer
                  image: \(yaml(image))
                  command:
        \(args)
                  env:
                    - name: NICER_SHARD_COUNT
                      value: "\(r.tasks)"
                    - name: OPENBLAS_NUM_THREADS
                      value: "\(r.cores)"
                  resources:
                    requests:
                      cpu: "\(r.cores)"
                      memory: \(r.memoryGB)Gi
                    limits:
                      memory: \(r.memoryGB)Gi
                  volumeMounts:
                    - name: data
                      mountPath: \(yaml(mount))
              volumes:
                - name: data
                  persistentVolumeClaim:
                    claimName: \(yaml(volume))

        """
    }

    static func yaml(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
