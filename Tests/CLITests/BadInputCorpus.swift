import Faces
import Foundation
import TestSupport

/// One hostile or broken input and what nicer must do with it: exit with `exit`, say so in one
/// line naming `names` (the file, or what is wrong), and leave `output` absent — or, for the few
/// odd but valid inputs (exit 0), write it.
struct BadInputCase {
    let name: String
    let arguments: [String]
    var environment: [String: String] = [:]
    let exit: Int32
    let names: String
    /// The command's output (folder or file): absent after a failure, present after a success;
    /// nil for commands that write nothing.
    var output: String?
}

/// The corpus of the robustness issue, made at test time from a synthetic clip, ffmpeg and the
/// committed fixtures (nothing large is committed): videos, masks, landmark files, dlib models,
/// pickles, npz archives, safetensors weights, pairs lists and output folders.
struct BadInputCorpus {
    let dir: TempDirectory
    let clip: String
    let small = smallNetwork + ["--epochs", "1", "--features", "pixel"]

    init(_ dir: TempDirectory) throws {
        self.dir = dir
        clip = try synthClip(dir, seed: 1, frames: 12)
    }

    func file(_ name: String) -> String { dir.file("in/" + name) }
    func out(_ name: String) -> String { dir.file("out/" + name) }
    var target: String { clip + "/target.mkv" }
    var proxy: String { clip + "/proxy.mkv" }

    func write(_ name: String, _ bytes: Data) throws -> String {
        try bytes.write(to: URL(fileURLWithPath: file(name)))
        return file(name)
    }

    func write(_ name: String, _ text: String) throws -> String { try write(name, Data(text.utf8)) }

    /// Deterministic noise (no file format starts this way).
    static func noise(_ count: Int, seed: UInt32 = 1) -> Data {
        var x = seed
        return Data((0..<count).map { _ in x = x &* 1_664_525 &+ 1_013_904_223; return UInt8(x >> 24) })
    }

    func prefix(_ source: String, _ count: Int, as name: String) throws -> String {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: source))
        defer { try? handle.close() }
        return try write(name, handle.readData(ofLength: count))
    }

    func refine(_ name: String, target: String? = nil, proxy: String? = nil, _ extra: [String] = [], exit: Int32 = 3,
                names: String, environment: [String: String] = [:]) -> BadInputCase {
        BadInputCase(name: name, arguments: ["refine", "--target", target ?? self.target, "--proxy", proxy ?? self.proxy, "-o", out(name)]
                        + small + extra, environment: environment, exit: exit, names: names, output: out(name))
    }

    func cases() throws -> [BadInputCase] {
        try FileManager.default.createDirectory(atPath: dir.file("in"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir.file("out"), withIntermediateDirectories: true)
        return try videoCases() + maskAndLandmarkCases() + modelCases() + listAndFolderCases()
    }

    // MARK: - Videos

    func videoCases() throws -> [BadInputCase] {
        let empty = try write("empty.mp4", Data())
        let random = try write("random.mp4", Self.noise(50_000))
        let good = file("testsrc.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "testsrc=s=64x64:r=25", "-frames:v", "30", "-c:v", "libx264", "-g", "5", "-pix_fmt", "yuv420p", good])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let truncated = try write("truncated.mp4", bytes.prefix(bytes.count / 2))
        var damaged = bytes
        for k in (bytes.count / 3)..<(bytes.count / 3 + 400) { damaged[k] = 0xAA }
        let corrupt = try write("corrupt-packet.mp4", damaged)
        let audio = file("audio-only.m4a")
        try ffmpeg(["-f", "lavfi", "-i", "sine=f=440:d=0.5", "-c:a", "aac", audio])
        let folder = file("folder.mp4")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let short = file("short.mkv"), bigger = file("bigger.mkv"), faster = file("faster.mkv"), copy = file("copy.mkv")
        try ffmpeg(["-i", proxy, "-frames:v", "9", "-c:v", "ffv1", short])
        try ffmpeg(["-i", proxy, "-vf", "scale=80:80", "-c:v", "ffv1", bigger])
        try ffmpeg(["-i", proxy, "-vf", "fps=30", "-c:v", "ffv1", faster])
        try FileManager.default.copyItem(atPath: target, toPath: copy)
        let tinyTarget = file("tiny-target.mkv"), tinyProxy = file("tiny-proxy.mkv")
        for (path, colour) in [(tinyTarget, "gray"), (tinyProxy, "white")] {
            try ffmpeg(["-f", "lavfi", "-i", "color=c=\(colour):s=16x16:r=25", "-frames:v", "4", "-vf", "scale=1:1", "-c:v", "ffv1", path])
        }
        let huge = file("8k.mp4")
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=7680x4320:r=25", "-frames:v", "1", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", huge])
        // Odd sides (4:2:0 cannot code them) and a proxy whose frame times wander (same count).
        let oddTarget = file("odd-target.mkv"), oddProxy = file("odd-proxy.mkv"), wandering = file("variable-rate.mkv")
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=63x47:r=25,format=rgb24", "-frames:v", "12", "-c:v", "ffv1", oddTarget])
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=63x47:r=25,format=rgb24", "-frames:v", "12",
                    "-vf", "drawbox=x=20:y=10:w=20:h=20:color=red:t=fill", "-c:v", "ffv1", oddProxy])
        try ffmpeg(["-i", proxy, "-vf", "setpts='if(lt(N,6),N,N*2)/25/TB'", "-fps_mode", "passthrough", "-c:v", "ffv1", wandering])
        // A grey clip whose "swap" is a red square: no face anywhere.
        let plain = file("plain.mkv"), square = file("square.mkv")
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=64x64:r=25", "-frames:v", "12", "-c:v", "ffv1", plain])
        try ffmpeg(["-f", "lavfi", "-i", "color=c=gray:s=64x64:r=25", "-frames:v", "12", "-vf", "drawbox=x=20:y=10:w=20:h=20:color=red:t=fill",
                    "-c:v", "ffv1", square])
        // The astronaut's face cut in half by the frame's left edge.
        let edge = file("edge.mkv"), edgeSwap = file("edge-swap.mkv")
        try ffmpeg(["-loop", "1", "-i", fixturePath("faces/astronaut.png"), "-frames:v", "6", "-vf", "crop=110:220:110:0,format=rgb24", "-c:v", "ffv1", edge])
        try ffmpeg(["-loop", "1", "-i", fixturePath("faces/astronaut.png"), "-frames:v", "6",
                    "-vf", "crop=110:220:110:0,format=rgb24,drawbox=x=0:y=60:w=40:h=80:color=red@0.3:t=fill", "-c:v", "ffv1", edgeSwap])
        func probe(_ name: String, _ path: String, _ extra: [String] = [], exit: Int32 = 3, names: String) -> BadInputCase {
            BadInputCase(name: name, arguments: ["probe", path] + extra, exit: exit, names: names)
        }
        return [
            probe("video: missing", file("missing.mp4"), names: "missing.mp4"),
            probe("video: zero bytes", empty, names: "empty.mp4"),
            probe("video: random bytes", random, names: "random.mp4"),
            probe("video: cut in half", truncated, names: "truncated.mp4"),
            probe("video: a folder", folder, names: "folder.mp4"),
            probe("video: audio only", audio, names: "no video stream"),
            probe("video: corrupt packet mid-stream", corrupt, ["--count-frames"], names: "corrupt-packet.mp4"),
            probe("video: 8K frame (handled)", huge, ["--count-frames"], exit: 0, names: ""),
            probe("video: variable frame rate (handled)", wandering, ["--count-frames"], exit: 0, names: ""),
            refine("refine: proxy random bytes", proxy: random, names: "random.mp4"),
            refine("refine: proxy zero bytes", proxy: empty, names: "empty.mp4"),
            refine("refine: target cut in half", target: truncated, names: "truncated.mp4"),
            refine("refine: proxy audio only", proxy: audio, names: "no video stream"),
            refine("refine: target corrupt packet", target: corrupt, proxy: good, ["--mask", "swap"], names: "corrupt-packet.mp4"),
            refine("refine: frame counts differ", proxy: short, names: "short.mkv"),
            refine("refine: frame sizes differ", proxy: bigger, names: "bigger.mkv"),
            refine("refine: rates and counts differ", proxy: faster, names: "--align"),
            refine("refine: 1x1 frames", target: tinyTarget, proxy: tinyProxy, names: "1x1"),
            refine("refine: 63x47 frames (handled)", target: oddTarget, proxy: oddProxy, ["--mask", "swap"], exit: 0, names: ""),
            refine("refine: variable-rate proxy (handled, frame for frame)", proxy: wandering, ["--mask", "swap"], exit: 0, names: ""),
            refine("refine: no face anywhere", target: plain, proxy: square, ["--mask", "landmarks"], names: "no face found in \(plain)"),
            refine("refine: face cut by the frame edge", target: edge, proxy: edgeSwap, ["--mask", "landmarks"], names: "no face found in \(edge)"),
            refine("refine: proxy is the target itself", proxy: target, names: "nothing was swapped"),
            refine("refine: proxy a copy of the target", proxy: copy, names: "nothing was swapped"),
        ]
    }

    // MARK: - Masks and landmark files

    func maskAndLandmarkCases() throws -> [BadInputCase] {
        func maskFolder(_ name: String, _ kind: RawPNG.Kind, side: Int, count: Int = 12) throws -> String {
            let folder = file(name)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for k in 0..<count {
                try RawPNG.uniform(kind, width: side, height: side).write(to: URL(fileURLWithPath: folder + String(format: "/%06d.png", k)))
            }
            return folder
        }
        let grey = try maskFolder("masks-grey-32", .grey8, side: 32), deep = try maskFolder("masks-16bit-48", .grey16, side: 48)
        let palette = try maskFolder("masks-palette-40", .palette, side: 40), few = try maskFolder("masks-few", .grey8, side: 64, count: 5)
        let fake = try maskFolder("masks-not-png", .grey8, side: 64)
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: fake + "/000003.png"))

        let track = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: clip + "/landmarks.json"))) as! [String: Any]
        let frames = track["frames"] as! [[[Double]]]
        func landmarks(_ name: String, _ edit: (inout [[[Double]]]) -> Void) throws -> String {
            var edited = frames
            edit(&edited)
            return try write(name, try JSONSerialization.data(withJSONObject: ["source": "corpus", "frames": edited]))
        }
        let fewPoints = try landmarks("landmarks-60-points.json") { $0[0] = Array($0[0].prefix(60)) }
        let fewFrames = try landmarks("landmarks-5-frames.json") { $0 = Array($0.prefix(5)) }
        let huge = try landmarks("landmarks-huge.json") { $0[3][10] = [1e300, 5] }
        let far = try landmarks("landmarks-far.json") { $0[2][1] = [-1e9, 1e9] }
        let text = try String(contentsOfFile: clip + "/landmarks.json", encoding: .utf8)
        let firstNumber = text.range(of: #"-?[0-9]+\.[0-9]+"#, options: .regularExpression)!
        let nan = try write("landmarks-nan.json", text.replacingCharacters(in: firstNumber, with: "NaN"))
        let cut = try write("landmarks-cut.json", String(text.prefix(text.count / 2)))
        return [
            refine("masks: grey PNGs of the wrong size", ["--mask", grey], names: "000000.png is 32x32"),
            refine("masks: 16-bit PNGs of the wrong size", ["--mask", deep], names: "000000.png is 48x48"),
            refine("masks: palette PNGs of the wrong size", ["--mask", palette], names: "000000.png is 40x40"),
            refine("masks: 5 PNGs for 12 frames", ["--mask", few], names: "masks-few"),
            refine("masks: one file is not a PNG", ["--mask", fake], names: "000003.png"),
            BadInputCase(name: "masks: stab with grey PNGs of the wrong size", arguments: ["stab", proxy, "--reference", target, "--mask", grey],
                         exit: 3, names: "000000.png is 32x32"),
            refine("landmarks: 60 points", ["--landmarks", fewPoints], names: "landmarks-60-points.json"),
            refine("landmarks: 5 frames for 12", ["--landmarks", fewFrames], names: "landmarks-5-frames.json"),
            refine("landmarks: NaN", ["--landmarks", nan], names: "landmarks-nan.json"),
            refine("landmarks: 1e300", ["--landmarks", huge], names: "landmarks-huge.json"),
            refine("landmarks: -1e9 (far off the frame)", ["--landmarks", far], names: "landmarks-far.json"),
            refine("landmarks: cut in half", ["--landmarks", cut], names: "landmarks-cut.json"),
            BadInputCase(name: "landmarks: fit3d with 1e300", arguments: ["fit3d", target, "--landmarks", huge, "-o", out("fit3d-huge")],
                         exit: 3, names: "landmarks-huge.json", output: out("fit3d-huge")),
        ]
    }

    // MARK: - Model files: dlib, pickle, npz, safetensors

    func modelCases() throws -> [BadInputCase] {
        // A clip with a face nicer faces can track, for the dlib models to be loaded on.
        let face = file("face.mkv")
        try ffmpeg(["-loop", "1", "-i", fixturePath("faces/astronaut.png"), "-frames:v", "2", "-vf", "format=rgb24", "-c:v", "ffv1", face])
        func faces(_ name: String, _ asset: FaceAsset, _ path: String, names: String) -> BadInputCase {
            BadInputCase(name: name, arguments: ["faces", face, "-o", out(name), "--no-preview"], environment: [asset.environmentVariable: path],
                         exit: 3, names: names, output: out(name))
        }
        let landmarks68 = try FaceAssets.locate(.landmarks68), detector = try FaceAssets.locate(.detector)
        let identity = try FaceAssets.locate(.identity)
        let cut68 = try prefix(landmarks68, 5_000_000, as: "landmarks68-cut.dat")
        let cutDetector = try prefix(detector, 20_000, as: "detector-cut.dat")
        let cutIdentity = try prefix(identity, 1_000_000, as: "identity-cut.dat")
        let randomModel = try write("random.dat", Self.noise(4096))

        let flame = fixturePath("flame/synthetic_flame.pkl"), embedding = fixturePath("flame/synthetic_embedding.pkl")
        func fit3d(_ name: String, flame: String, embedding: String, names: String) -> BadInputCase {
            BadInputCase(name: name, arguments: ["fit3d", target, "--landmarks", clip + "/landmarks.json", "-o", out(name),
                                                 "--flame", flame, "--flame-embedding", embedding], exit: 3, names: names, output: out(name))
        }
        let cutPickle = try prefix(flame, 1000, as: "flame-cut.pkl")
        let marker = dir.file("in/pwned")
        let hostile = try write("flame-hostile.pkl", Data([0x80, 0x02, 0x63] + Array("os\nsystem\n".utf8) + [0x58]
                                                         + [UInt8(13 + marker.utf8.count), 0, 0, 0] + Array("touch \(marker); id".utf8) + [0x85, 0x52, 0x2E]))
        let nested = try write("flame-nested.pkl", Data([0x80, 0x02] + [UInt8](repeating: 0x28, count: 100_000) + [0x2E]))
        let pastEnd = try write("flame-past-end.pkl", Data([0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F] + Array("abc".utf8)))
        let randomPickle = try write("embedding-random.pkl", Self.noise(2048, seed: 7))

        let albedo = fixturePath("flame/synthetic_albedo.npz")
        let cutArchive = try prefix(albedo, 500, as: "albedo-cut.npz")
        let emptyArchive = try write("albedo-empty.npz", Data())
        var archive = try Data(contentsOf: URL(fileURLWithPath: albedo))
        // The first central-directory entry's sizes (PK\1\2 + 20) set past the end of the file.
        if let entry = archive.range(of: Data([0x50, 0x4B, 0x01, 0x02])) {
            for k in 0..<8 { archive[entry.lowerBound + 20 + k] = k % 4 == 3 ? 0x7F : 0xFF }
        }
        let longArchive = try write("albedo-sizes-past-end.npz", archive)
        func albedoCase(_ name: String, _ path: String, names: String) -> BadInputCase {
            refine(name, ["--landmarks", clip + "/landmarks.json", "--prior", "flame", "--flame", flame, "--flame-embedding", embedding,
                          "--flame-uv", fixturePath("flame/synthetic_uv.obj"), "--flame-albedo", path], names: names)
        }

        let weights = fixturePath("vgg/vgg19_narrow.safetensors")
        let cutWeights = try prefix(weights, 100, as: "vgg-cut.safetensors")
        let header = Data(#"{"w":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}"#.utf8)
        let pastEndWeights = try write("vgg-past-end.safetensors", Data(withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init)) + header + Data(count: 8))
        let hugeHeader = try write("vgg-huge-header.safetensors", Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]) + Data(count: 16))
        func vgg(_ name: String, _ path: String, names: String) -> BadInputCase {
            refine(name, ["--mask", "swap", "--features", "vgg19", "--vgg-weights", path], names: names)
        }
        return [
            faces("dlib: landmark model cut at 5 MB", .landmarks68, cut68, names: "landmarks68-cut.dat"),
            faces("dlib: landmark model random bytes", .landmarks68, randomModel, names: "random.dat"),
            faces("dlib: detector cut at 20 kB", .detector, cutDetector, names: "detector-cut.dat"),
            faces("dlib: identity model cut at 1 MB", .identity, cutIdentity, names: "identity-cut.dat"),
            faces("dlib: model file missing", .detector, file("missing.dat"), names: "missing.dat"),
            fit3d("pickle: FLAME cut at 1 kB", flame: cutPickle, embedding: embedding, names: "flame-cut.pkl"),
            fit3d("pickle: hostile global os.system", flame: hostile, embedding: embedding, names: "os.system is not allowed"),
            fit3d("pickle: nested 100000 deep", flame: nested, embedding: embedding, names: "flame-nested.pkl"),
            fit3d("pickle: string length past the end", flame: pastEnd, embedding: embedding, names: "flame-past-end.pkl"),
            fit3d("pickle: embedding random bytes", flame: flame, embedding: randomPickle, names: "embedding-random.pkl"),
            albedoCase("npz: cut at 500 bytes", cutArchive, names: "albedo-cut.npz"),
            albedoCase("npz: zero bytes", emptyArchive, names: "albedo-empty.npz"),
            albedoCase("npz: member sizes past the end", longArchive, names: "albedo-sizes-past-end.npz"),
            vgg("safetensors: cut at 100 bytes", cutWeights, names: "vgg-cut.safetensors"),
            vgg("safetensors: tensor past the end", pastEndWeights, names: "vgg-past-end.safetensors"),
            vgg("safetensors: header length 2^63", hugeHeader, names: "vgg-huge-header.safetensors"),
        ]
    }

    // MARK: - Pairs lists and output folders

    func listAndFolderCases() throws -> [BadInputCase] {
        func batch(_ name: String, _ list: String, names: String) -> BadInputCase {
            BadInputCase(name: name, arguments: ["batch", "run", "--pairs", list, "-o", out(name)], exit: 3, names: names, output: out(name))
        }
        let unterminated = try write("pairs-quote.csv", "target,proxy\n\"\(target),\(proxy)\n")
        let oneField = try write("pairs-one-field.csv", "\(target)\n")
        let emptyList = try write("pairs-empty.csv", "")
        let binary = try write("pairs-binary.csv", Self.noise(300, seed: 3))
        let blocker = try write("a-file", "")
        return [
            batch("pairs: unterminated quote", unterminated, names: "pairs-quote.csv:2"),
            batch("pairs: one field", oneField, names: "pairs-one-field.csv:1"),
            batch("pairs: empty", emptyList, names: "pairs-empty.csv"),
            batch("pairs: random bytes", binary, names: "pairs-binary.csv: the pairs list is not UTF-8"),
            BadInputCase(name: "output: parent is a file", arguments: ["refine", "--target", target, "--proxy", proxy, "-o", blocker + "/out"] + small,
                         exit: 1, names: "a-file/out", output: blocker + "/out"),
            BadInputCase(name: "output: -o is a file", arguments: ["refine", "--target", target, "--proxy", proxy, "-o", blocker] + small,
                         exit: 3, names: "a-file", output: nil),
        ]
    }
}
