import Foundation

/// The model files face analysis uses. None is downloaded: each comes from a Debian or PyPI
/// package (all CC0), is looked for where that package installs it, and can be pointed at with an
/// environment variable (or a command-line flag passed as `override`).
public enum FaceAsset: String, CaseIterable, Sendable {
    case landmarks68
    case landmarks5
    case detector
    case identity

    public var fileName: String {
        switch self {
        case .landmarks68: "shape_predictor_68_face_landmarks.dat"
        case .landmarks5: "shape_predictor_5_face_landmarks.dat"
        case .detector: "mmod_human_face_detector.dat"
        case .identity: "dlib_face_recognition_resnet_model_v1.dat"
        }
    }

    public var environmentVariable: String {
        switch self {
        case .landmarks68: "NICER_LANDMARKS68"
        case .landmarks5: "NICER_LANDMARKS5"
        case .detector: "NICER_FACE_DETECTOR"
        case .identity: "NICER_FACE_IDENTITY"
        }
    }

    /// What the file is and how to install the package that ships it.
    public var provenance: String {
        switch self {
        case .landmarks68:
            "the 68-point landmark model comes with the Debian package libdlib-data (apt-get install libdlib-data)"
        case .landmarks5, .detector, .identity:
            "it comes with the PyPI package face-recognition-models (pip install face-recognition-models, or tools/setup)"
        }
    }
}

public enum FaceAssets {
    /// The path of an asset: `override` if given, else the environment variable, else the first
    /// standard install location that holds it. Throws a message naming the package when none does.
    /// `systemFolders: false` leaves out the system-wide Python folders (for tests).
    public static func locate(_ asset: FaceAsset, override: String? = nil,
                              environment: [String: String] = ProcessInfo.processInfo.environment,
                              systemFolders: Bool = true) throws -> String {
        let fm = FileManager.default
        if let explicit = override ?? environment[asset.environmentVariable] {
            guard fm.isReadableFile(atPath: explicit) else {
                throw FaceAssetError(path: explicit, reason: "cannot read \(asset.fileName) here (\(asset.provenance))")
            }
            return explicit
        }
        let searched = candidates(asset, environment: environment, systemFolders: systemFolders)
        if let found = searched.first(where: { fm.isReadableFile(atPath: $0) }) { return found }
        throw FaceAssetError(path: asset.fileName, reason: "not found; \(asset.provenance), or set \(asset.environmentVariable) "
                             + "to the file. Looked in: \(searched.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }.joined(separator: ", "))")
    }

    /// Where the packages install the file, most specific first.
    static func candidates(_ asset: FaceAsset, environment: [String: String], systemFolders: Bool) -> [String] {
        if asset == .landmarks68 {
            return ["/usr/share/dlib/" + asset.fileName]
        }
        var roots: [String] = []
        if let folder = environment["NICER_FACE_MODELS"] { roots.append(folder) }
        // Where tools/setup unpacks the PyPI package's models when pip cannot install it.
        let home = environment["HOME"] ?? NSHomeDirectory()
        roots.append((environment["XDG_DATA_HOME"] ?? home + "/.local/share") + "/nicer/face_recognition_models/models")
        var packageDirs: [String] = []
        if let venv = environment["VIRTUAL_ENV"] { packageDirs += pythonPackageDirs(under: venv + "/lib") }
        packageDirs += pythonPackageDirs(under: home + "/.local/lib")
        for version in (try? FileManager.default.contentsOfDirectory(atPath: home + "/.pyenv/versions")) ?? [] {
            packageDirs += pythonPackageDirs(under: home + "/.pyenv/versions/\(version)/lib")
        }
        if systemFolders {
            packageDirs += pythonPackageDirs(under: "/usr/local/lib") + pythonPackageDirs(under: "/usr/lib")
            packageDirs.append("/usr/lib/python3/dist-packages")
        }
        roots += packageDirs.map { $0 + "/face_recognition_models/models" }
        return roots.map { $0 + "/" + asset.fileName }
    }

    /// `LIB/python3.X/site-packages` and `dist-packages` folders that exist under LIB.
    private static func pythonPackageDirs(under lib: String) -> [String] {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("python3") }.sorted()
        return versions.flatMap { ["\(lib)/\($0)/site-packages", "\(lib)/\($0)/dist-packages"] }
    }
}
