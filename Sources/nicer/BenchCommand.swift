import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (never run as tests): timings to compare against reference tools.",
        subcommands: [BenchDecodeCommand.self, BenchTrainCommand.self, BenchFlowCommand.self, BenchLandmarksCommand.self,
                      BenchFacesCommand.self])
}
