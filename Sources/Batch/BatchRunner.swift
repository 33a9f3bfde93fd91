import Faces
import Foundation
import Media
import Reports

/// Runs a batch's items, each as its own `nicer refine --resume` process (a crash or a bad video
/// fails that item only), `jobs` at a time with the cores split between them. Finished items are
/// skipped, failed ones too unless `retryFailed`; an interrupted item goes back to the queue and
/// resumes from its checkpoints.
public final class BatchRunner: @unchecked Sendable {
    public struct Options: Sendable {
        public var jobs = 1
        /// Cores to share out; each job's refine gets `cores / jobs` threads.
        public var cores = ProcessInfo.processInfo.activeProcessorCount
        public var retryFailed = false
        /// Passed to every refine.
        public var refineArguments: [String] = []
        /// DeepfakeBench crops of each done item (`--export deepfakebench`).
        public var export: DeepfakeBenchExport.Settings?
        public init() {}
    }

    public struct Outcome: Sendable {
        public var done = 0, failed = 0, skipped = 0, interrupted = 0
        /// Items another worker held.
        public var busy = 0
    }

    let folder: String
    let items: [BatchItem]
    let options: Options
    let executable: String
    let store: StateStore
    let progress: (String) -> Void
    private let lock = NSLock()
    private var outcome = Outcome()
    private var running = 0
    private var spent: [Double] = []

    public init(batch folder: String, items: [BatchItem], options: Options, executable: String,
                progress: @escaping (String) -> Void) throws {
        (self.folder, self.items, self.options, self.executable, self.progress) = (folder, items, options, executable, progress)
        store = try StateStore(batch: folder)
    }

    private var next = 0

    public func run() -> Outcome {
        let group = DispatchGroup()
        let threads = max(1, options.cores / max(1, options.jobs))
        for _ in 0..<max(1, options.jobs) {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while true {
                    let item: BatchItem? = lock.withLock {
                        guard self.next < items.count else { return nil }
                        self.next += 1
                        return items[self.next - 1]
                    }
                    guard let item else { return }
                    process(item, threads: threads)
                }
            }
        }
        group.wait()
        return lock.withLock { outcome }
    }

    private func count(_ update: (inout Outcome) -> Void) {
        lock.withLock { update(&outcome) }
    }

    private func process(_ item: BatchItem, threads: Int) {
        let previous = store.read(item.id)
        if previous?.status == .done, FileManager.default.fileExists(atPath: folder + "/" + item.reportPath) {
            // Refined before the export was asked for: only the crops are missing.
            if let settings = options.export, previous?.export == nil, store.lock(item.id) {
                defer { store.unlock(item.id) }
                var state = previous!
                switch exportCrops(item, settings) {
                case .success(let record): state.export = record
                case .failure(let failure):
                    state.status = .failed
                    state.reason = failure.reason
                }
                try? store.write(state)
                if state.status == .failed {
                    count { $0.failed += 1 }
                    return
                }
            }
            count { $0.skipped += 1 }
            return
        }
        if previous?.status == .failed, !options.retryFailed {
            count { $0.skipped += 1 }
            return
        }
        guard store.lock(item.id) else {
            count { $0.busy += 1 }
            return
        }
        defer { store.unlock(item.id) }
        var state = previous ?? ItemState(id: item.id)
        state.status = .running
        state.attempts += 1
        state.worker = StateStore.worker
        state.started = Date()
        state.finished = nil
        state.reason = nil
        do { try store.write(state) } catch {
            count { $0.failed += 1 }
            return
        }
        lock.withLock { running += 1 }
        report()
        var result = refine(item, threads: threads)
        if case .success = result, let settings = options.export {
            switch exportCrops(item, settings) {
            case .success(let record): state.export = record
            case .failure(let failure): result = .failure(failure)
            }
        }
        lock.withLock { running -= 1 }
        state.finished = Date()
        state.seconds = state.finished!.timeIntervalSince(state.started!)
        switch result {
        case .success(let figures):
            state.status = .done
            state.figures = figures
            count { $0.done += 1 }
            lock.withLock { spent.append(state.seconds!) }
        case .failure(let failure):
            if failure.interrupted {
                state.status = .queued
                state.reason = "interrupted (" + failure.reason + "); a rerun resumes it from its checkpoints"
                count { $0.interrupted += 1 }
            } else {
                state.status = .failed
                state.reason = failure.reason
                count { $0.failed += 1 }
            }
        }
        try? store.write(state)
        report()
    }

    struct Failure: Error {
        var reason: String
        var interrupted = false
    }

    /// One face finder a worker thread (the models load once; a detector is not shared between threads).
    private var finders: [ObjectIdentifier: FaceFinder] = [:]

    private func exportCrops(_ item: BatchItem, _ settings: DeepfakeBenchExport.Settings) -> Result<DeepfakeBenchExport.Record, Failure> {
        do {
            let key = ObjectIdentifier(Thread.current)
            let finder = try lock.withLock { try finders[key] ?? { let f = try FaceFinder(try FaceModels()); finders[key] = f; return f }() }
            return .success(try DeepfakeBenchExport.export(item, batch: folder, settings: settings, faces: finder))
        } catch {
            return .failure(Failure(reason: "refined, but the DeepfakeBench export failed: \(error)"))
        }
    }

    /// Runs refine for one item and delivers its video and report into the mirrored tree.
    private func refine(_ item: BatchItem, threads: Int) -> Result<ItemFigures, Failure> {
        let work = "\(folder)/work/\(item.id)"
        let log = "\(folder)/logs/\(item.id).log"
        do {
            try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
        } catch {
            return .failure(Failure(reason: "cannot create \(folder)/logs: \(error.localizedDescription)"))
        }
        // The latest attempt's log (an earlier one's reason stays in the state record).
        guard FileManager.default.createFile(atPath: log, contents: nil), let output = FileHandle(forWritingAtPath: log) else { return .failure(Failure(reason: "cannot write \(log)")) }
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["refine", "--target", item.target, "--proxy", item.proxy, "-o", work, "--resume",
                             "--proxy-name", item.method] + (item.identity.map { ["--identity", $0] } ?? []) + options.refineArguments
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = String(threads)
        // The refine goes when the batch goes (killed outright too), so no orphan works on beside a rerun.
        environment["NICER_PARENT_PID"] = String(getpid())
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        let heartbeat = DispatchSource.makeTimerSource(queue: .global())
        heartbeat.schedule(deadline: .now() + StateStore.heartbeat, repeating: StateStore.heartbeat)
        heartbeat.setEventHandler { [store] in store.touch(item.id) }
        heartbeat.resume()
        defer { heartbeat.cancel() }
        do {
            try process.run()
        } catch {
            return .failure(Failure(reason: "cannot start \(executable): \(error.localizedDescription)"))
        }
        process.waitUntilExit()
        let status = process.terminationStatus
        guard process.terminationReason == .exit, status == 0 else {
            let signalled = process.terminationReason == .uncaughtSignal
            let line = Self.errorLine(log) ?? (signalled ? "killed by signal \(status)" : "exit status \(status)")
            return .failure(Failure(reason: line + (signalled ? "" : " (exit \(status); log \(log))"),
                                    interrupted: signalled || status == 130 || status == 143))
        }
        do {
            return .success(try deliver(item, work: work))
        } catch {
            return .failure(Failure(reason: "refined, but delivering it failed: \(error)"))
        }
    }

    /// The refined video and its report.json into the mirrored tree, each whole or not at all.
    private func deliver(_ item: BatchItem, work: String) throws -> ItemFigures {
        guard let data = FileManager.default.contents(atPath: work + "/report.json") else {
            throw PipelineError("\(work)/report.json is missing")
        }
        let report = try JSONDecoder().decode(RefineReportFigures.self, from: data)
        let video = URL(fileURLWithPath: folder + "/" + item.refinedPath)
        try FileManager.default.createDirectory(at: video.deletingLastPathComponent(), withIntermediateDirectories: true)
        let produced = URL(fileURLWithPath: report.output)
        let destination = video.deletingPathExtension().appendingPathExtension(produced.pathExtension)
        let copy = try AtomicOutput(finalPath: destination.path)
        try? FileManager.default.removeItem(atPath: copy.temporaryPath)
        try FileManager.default.copyItem(atPath: produced.path, toPath: copy.temporaryPath)
        try copy.commit()
        try AtomicOutput.write(data, to: folder + "/" + item.reportPath)
        let f = report.flicker
        return ItemFigures(frames: report.frames, targetMean: f.target.mean, targetMedian: f.target.median,
                           swapMean: f.proxy.mean, swapMedian: f.proxy.median, refinedMean: f.refined.mean,
                           refinedMedian: f.refined.median, fidelity: report.fidelity, lessStableThanSwap: f.lessStableThanProxy,
                           warnings: report.warnings)
    }

    /// The fields of refine's report.json the batch reads (its schema: docs/schemas.md).
    struct RefineReportFigures: Decodable {
        struct Figures: Decodable { var mean: Double; var median: Double }
        struct Flicker: Decodable { var target: Figures; var proxy: Figures; var refined: Figures; var lessStableThanProxy: Bool }
        var output: String
        var frames: Int
        var fidelity: Double
        var flicker: Flicker
        var warnings: [String]
    }

    /// refine's own error line from its log, without the prefix.
    static func errorLine(_ log: String) -> String? {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return nil }
        return text.split(whereSeparator: \.isNewline).last { $0.hasPrefix("nicer: error: ") }
            .map { String($0.dropFirst("nicer: error: ".count)) }
    }

    private func report() {
        let line: String = lock.withLock {
            let finished = outcome.done + outcome.failed + outcome.skipped + outcome.busy + outcome.interrupted
            let left = items.count - finished - running
            let mean = spent.isEmpty ? nil : spent.reduce(0, +) / Double(spent.count)
            let eta = mean.map { String(format: ", ETA %.0f min", $0 * Double(left + running) / Double(max(1, options.jobs)) / 60) } ?? ""
            return "batch: \(outcome.done) done, \(outcome.failed) failed, \(outcome.skipped) skipped, \(running) running, \(left) queued of \(items.count)\(eta)"
        }
        progress(line)
    }
}
