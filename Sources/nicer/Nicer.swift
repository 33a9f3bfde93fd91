import ArgumentParser
import Batch
import Faces
import Face3D
import Foundation
import NeuralNet
import Refine
import Media
import Synth

/// Process exit statuses, documented in `nicer --help`, the README and docs/reference.md.
enum ExitStatus: Int32 {
    case ok = 0
    /// The work itself failed (output not writable, encoder error, …).
    case failure = 1
    /// The command line was wrong.
    case usage = 2
    /// An input file is missing, unreadable or not what the command needs.
    case badInput = 3
}

/// A problem with the user's inputs found by the command-line layer itself.
struct BadInput: Error, CustomStringConvertible {
    let description: String
}

@main
struct Nicer: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nicer",
        abstract: "Remove temporal flicker from face-swapped videos, and measure how stable a video is.",
        discussion: """
            Exit status: 0 success, 1 failure while working, 2 usage error, 3 bad input \
            (missing, unreadable or unsuitable file), 130/143 interrupted (SIGINT/SIGTERM; unfinished outputs removed).
            """,
        subcommands: [ProbeCommand.self, SynthCommand.self, RefineCommand.self, StabCommand.self, CompareCommand.self, FacesCommand.self, Fit3DCommand.self,
                      BatchCommand.self, BenchCommand.self])

    static func main() {
        // A refine a batch started ends with the batch.
        try? ParentWatch.endWithParent(environment: ProcessInfo.processInfo.environment)
        // The signal sources must stay alive for the whole run.
        let status = withExtendedLifetime(takeAwayPartialOutputsOnInterrupt()) { () -> ExitStatus in
            do {
                var command = try parseAsRoot()
                FFmpegLog.setVerbose(ProcessInfo.processInfo.environment["NICER_FFMPEG_LOG"] != nil)
                try command.run()
                return .ok
            } catch {
                return report(error)
            }
        }
        Foundation.exit(status.rawValue)
    }

    /// Prints one line (or the usage text) for an error and picks the exit status.
    private static func report(_ error: Error) -> ExitStatus {
        switch error {
        case let media as MediaError:
            printError(media.description)
            return media.kind == .output ? .failure : .badInput
        case let synth as SynthError:
            printError(synth.description)
            return .usage
        case let pipeline as PipelineError:
            printError(pipeline.description)
            return .badInput
        case let asset as FaceAssetError:
            printError(asset.description)
            return .badInput
        case let pickle as PickleError:
            printError(pickle.description)
            return .badInput
        case let weights as Safetensors.FormatError:
            printError(weights.description)
            return .badInput
        case let bad as BadInput:
            printError(bad.description)
            return .badInput
        case let code as ExitCode:
            return ExitStatus(rawValue: code.rawValue) ?? .failure
        default:
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return .ok
            }
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                return .usage
            }
            printError(String(describing: error))
            return .failure
        }
    }
}

/// Ctrl-C or a polite kill (SIGINT, SIGTERM) removes the temporaries of outputs not yet complete,
/// then exits with 128 + the signal, so an interrupted run leaves only whole files (and its
/// checkpoints, for --resume). The handlers run on a queue, not in signal context.
func takeAwayPartialOutputsOnInterrupt() -> [any DispatchSourceSignal] {
    [SIGINT, SIGTERM].map { number in
        signal(number, SIG_IGN)  // delivered to the dispatch source instead
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            let removed = PendingOutputs.shared.removeAll()
            FileHandle.standardError.write(Data("\nnicer: interrupted (signal \(number)); \(removed) unfinished output(s) removed\n".utf8))
            _exit(128 + number)
        }
        source.resume()
        return source
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("nicer: error: \(message)\n".utf8))
}
