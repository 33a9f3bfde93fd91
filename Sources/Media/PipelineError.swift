/// Input the pipeline cannot work with (no face, mismatched clips, …): a clear message, exit status 3.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
