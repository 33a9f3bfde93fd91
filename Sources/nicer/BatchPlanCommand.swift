import ArgumentParser
import Batch
import Foundation

struct BatchPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Write a cluster job that runs the batch, one shard a task: an sbatch --array script (--slurm) or an Indexed Job manifest (--kubernetes).",
        discussion: "The batch folder must be on storage every node shares. Writes batch.json and batch.sbatch or batch-job.yaml into it.")

    @OptionGroup var selection: BatchSelection

    @Flag(help: "Write OUT/batch.sbatch (submit with sbatch).")
    var slurm = false

    @Flag(help: "Write OUT/batch-job.yaml (kubectl apply -f).")
    var kubernetes = false

    @Option(help: "Tasks (shards); default: one per 4 items, at most 64.")
    var tasks: Int?

    @Option(help: "Cores per task.")
    var cores = 2

    @Option(help: "Container image with nicer (--kubernetes).")
    var image = "nicer:latest"

    @Option(help: "PersistentVolumeClaim holding the dataset and the batch folder (--kubernetes).")
    var volume = "nicer-data"

    @Option(help: "Where the claim is mounted in the container: the dataset and batch paths must lie under it (--kubernetes; default /).")
    var mount = "/"

    @Option(help: "The nicer binary the tasks run (default: this one).")
    var nicer: String?

    @Argument(parsing: .postTerminator, help: "Options for every nicer refine (after --).")
    var refineArguments: [String] = []

    func validate() throws {
        guard slurm != kubernetes else { throw ValidationError("give --slurm or --kubernetes") }
        if let tasks, !(1...10_000).contains(tasks) { throw ValidationError("--tasks must be in 1...10000") }
        guard (1...256).contains(cores) else { throw ValidationError("--cores must be in 1...256") }
    }

    func run() throws {
        let plan = try selection.plan(refineArguments: refineArguments)
        let count = min(tasks ?? min(64, max(1, (plan.items.count + 3) / 4)), plan.items.count)
        let resources = ClusterPlan.resources(plan, tasks: count, cores: cores)
        let folder = URL(fileURLWithPath: selection.out).standardizedFileURL.path
        let binary = nicer ?? Bundle.main.executablePath ?? "nicer"
        let command = [binary, "batch", "run", "-o", folder]
        let file: String
        if slurm {
            file = try ClusterPlan.writeSlurm(resources, command: command, folder: folder)
        } else {
            file = folder + "/batch-job.yaml"
            try BatchFiles.write(ClusterPlan.kubernetes(resources, command: command, image: image, volume: volume, mount: mount), to: file)
        }
        print("\(plan.items.count) items in \(count) task(s) of \(cores) core(s), \(resources.memoryGB) GB, time limit \(resources.seconds / 60) min each: wrote \(file)")
    }
}
