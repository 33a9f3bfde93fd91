/// Known sources of swapped ("proxy") videos, so reports say what each compared proxy is.
/// Unknown names are accepted as they are.
public struct ProxySource: Codable, Equatable, Sendable {
    public var name: String
    /// autoencoder, graphics, GAN, diffusion with 3D priors, …
    public var kind: String
    public var year: Int
    public var aliases: [String]

    public init(_ name: String, kind: String, year: Int, aliases: [String] = []) {
        self.name = name
        self.kind = kind
        self.year = year
        self.aliases = aliases
    }
}

public enum ProxyCatalogue {
    public static let known: [ProxySource] = [
        ProxySource("DeepFakes", kind: "autoencoder (shared encoder, per-identity decoders)", year: 2017, aliases: ["deepfake"]),
        ProxySource("FaceSwap", kind: "graphics (landmark-fitted 3D model, blending)", year: 2016),
        ProxySource("Face2Face", kind: "graphics (3D reenactment of expressions)", year: 2016),
        ProxySource("NeuralTextures", kind: "GAN / neural rendering (learned textures)", year: 2019),
        ProxySource("DeepFaceLab", kind: "autoencoder", year: 2020, aliases: ["dfl"]),
        ProxySource("DeepFaceLive", kind: "autoencoder (real-time)", year: 2021, aliases: ["dflive"]),
        ProxySource("FSGAN", kind: "GAN (subject-agnostic reenactment and blending)", year: 2019),
        ProxySource("FaceShifter", kind: "GAN (adaptive attentional denormalisation)", year: 2020),
        ProxySource("SimSwap", kind: "GAN (one-shot, identity injection)", year: 2020),
        ProxySource("inswapper", kind: "GAN (one-shot; used by roop and FaceFusion)", year: 2023,
                    aliases: ["roop", "facefusion", "inswapper_128"]),
        ProxySource("DynamicFace", kind: "diffusion with composable 3D facial priors", year: 2025),
    ]

    /// The catalogue entry for a name or alias, ignoring case, spaces, dashes and underscores.
    public static func lookup(_ name: String) -> ProxySource? {
        func key(_ s: String) -> String { s.lowercased().filter { $0.isLetter || $0.isNumber } }
        let wanted = key(name)
        return known.first { ([$0.name] + $0.aliases).map(key).contains(wanted) }
    }
}
