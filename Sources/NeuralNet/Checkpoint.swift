import Foundation

/// Training state in one safetensors file that PyTorch can read: every parameter under its own
/// name, Adam's moments under `adam.m.NAME` / `adam.v.NAME`, and in the metadata the format tag,
/// the Adam step and a free-form architecture description checked on load.
public enum Checkpoint {
    public static let format = "nicer-checkpoint-1"

    public struct MismatchError: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): checkpoint does not fit this network: \(reason)" }
    }

    public static func save(_ parameters: Parameters, optimizer: Adam?, architecture: String, to path: String) throws {
        let (tensors, metadata) = contents(parameters, optimizer: optimizer, architecture: architecture)
        try Safetensors.write(tensors, metadata: metadata, to: path)
    }

    /// The checkpoint's bytes, for a caller that writes them through its own atomic output (refine
    /// does, so an interrupt takes away a checkpoint half written).
    public static func encode(_ parameters: Parameters, optimizer: Adam?, architecture: String) throws -> Data {
        let (tensors, metadata) = contents(parameters, optimizer: optimizer, architecture: architecture)
        return try Safetensors.encode(tensors, metadata: metadata)
    }

    private static func contents(_ parameters: Parameters, optimizer: Adam?, architecture: String)
        -> (tensors: [String: Safetensors.Tensor], metadata: [String: String]) {
        var tensors: [String: Safetensors.Tensor] = [:]
        for entry in parameters.entries {
            tensors[entry.name] = .init(shape: entry.shape, values: Array(parameters.value(entry)))
            if let optimizer {
                let range = entry.offset..<(entry.offset + entry.count)
                tensors["adam.m." + entry.name] = .init(shape: entry.shape, values: range.map { optimizer.firstMoments.pointer[$0] })
                tensors["adam.v." + entry.name] = .init(shape: entry.shape, values: range.map { optimizer.secondMoments.pointer[$0] })
            }
        }
        var metadata = ["format": format, "architecture": architecture]
        if let optimizer { metadata["adam.step"] = String(optimizer.step) }
        return (tensors, metadata)
    }

    /// Loads weights (and Adam state when `optimizer` is given) after checking that every name,
    /// shape and the architecture match; nothing is changed unless all of it does.
    public static func load(_ path: String, into parameters: Parameters, optimizer: Adam?, architecture: String) throws {
        let (tensors, metadata) = try Safetensors.read(path)
        func fail(_ reason: String) -> MismatchError { MismatchError(path: path, reason: reason) }
        guard metadata["format"] == format else { throw fail("format is \(metadata["format"] ?? "missing"), expected \(format)") }
        guard metadata["architecture"] == architecture else {
            throw fail("architecture \(metadata["architecture"] ?? "missing") differs from \(architecture)")
        }
        var prefixes = [""]
        if optimizer != nil { prefixes += ["adam.m.", "adam.v."] }
        for prefix in prefixes {
            for entry in parameters.entries {
                guard let t = tensors[prefix + entry.name] else { throw fail("missing tensor \(prefix + entry.name)") }
                guard t.shape == entry.shape else { throw fail("\(prefix + entry.name) has shape \(t.shape), expected \(entry.shape)") }
            }
        }
        let step = metadata["adam.step"].flatMap { Int($0) }
        if optimizer != nil && step == nil { throw fail("no Adam step in the metadata") }
        for entry in parameters.entries {
            let target = parameters.value(entry)
            for (i, v) in tensors[entry.name]!.values.enumerated() { target[i] = v }
            if let optimizer {
                for (i, v) in tensors["adam.m." + entry.name]!.values.enumerated() { optimizer.firstMoments.pointer[entry.offset + i] = v }
                for (i, v) in tensors["adam.v." + entry.name]!.values.enumerated() { optimizer.secondMoments.pointer[entry.offset + i] = v }
            }
        }
        optimizer?.step = step ?? 0
    }
}
