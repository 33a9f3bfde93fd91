import Foundation

/// The model files, located once (package paths, environment, or explicit flags).
public struct FaceModels: Sendable {
    public let detector: String
    public let landmarks68: String
    public let landmarks5: String
    public let identity: String

    public init(detector: String? = nil, landmarks68: String? = nil, landmarks5: String? = nil, identity: String? = nil) throws {
        self.detector = try FaceAssets.locate(.detector, override: detector)
        self.landmarks68 = try FaceAssets.locate(.landmarks68, override: landmarks68)
        self.landmarks5 = try FaceAssets.locate(.landmarks5, override: landmarks5)
        self.identity = try FaceAssets.locate(.identity, override: identity)
    }

    public var paths: [String: String] {
        ["detector": detector, "landmarks68": landmarks68, "landmarks5": landmarks5, "identity": identity]
    }
}
