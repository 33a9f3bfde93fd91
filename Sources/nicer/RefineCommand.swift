import ArgumentParser
import Faces
import Foundation
import Refine

struct RefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Remove the flicker of a face swap: fit NICe's network to the clip, paste the refined face back, report e_stab before and after.",
        discussion: """
            Writes OUT/refined.mp4 (target frames with the refined face pasted in, the proxy's audio, else the target's; .mkv when \
            that audio cannot go into MP4), \
            OUT/report.json and OUT/report.html (e_stab of proxy and refined on the target's flow, fidelity, \
            face measures, training curves, prior and features used, timings), OUT/config.json (resolved \
            options), OUT/preview.mp4 (target | proxy | refined | sigma crops), OUT/masks/ (the face masks \
            used) and with --sigma-video OUT/sigma.mp4. Checkpoints live in OUT/.work; --resume continues \
            a killed run from its last finished epoch.
            """)

    @Option(help: "The original target video.")
    var target: String

    @Option(help: "The swapped video (the proxy) of the same clip.")
    var proxy: String

    @Option(name: .customLong("proxy-name"), help: "What made the proxy (DeepFakes, SimSwap, DynamicFace, …); shown in reports.")
    var proxyName = "proxy"

    @Option(name: .customLong("identity"), help: "A photo of the source identity (repeatable): identity similarity in the report.")
    var identityPhotos: [String] = []

    @Option(name: .customLong("identity-landmarks"), help: "68-point landmarks of the identity photos, one entry per --identity in order (nicer synth's identity/landmarks.json), instead of detecting their faces.")
    var identityLandmarks: String?

    @Option(help: "Face region: auto (landmarks, else the swap difference), landmarks, swap, or a folder of mask PNGs.")
    var mask = "auto"

    @Option(help: "68-point landmarks per frame instead of the tracker: nicer synth's landmarks.json or nicer faces' faces.json.")
    var landmarks: String?

    @Option(name: .shortAndLong, help: "Output folder.")
    var out: String

    @Flag(help: "Pair frames by time when the proxy's frame count differs from the target's (the nearest proxy frame for each target frame; as many frames pair frame for frame anyway), and scale a proxy of another size but the same aspect ratio.")
    var align = false

    @Flag(help: "Continue a killed run from its checkpoints in OUT/.work.")
    var resume = false

    @Option(help: "Largest training crop side: the crops follow the face's own resolution in the frame up to it, rounded up to a multiple of 2^levels (auto = 256; 64...1024).")
    var size = "auto"

    @Option(help: "Crop margin around the face region's box, a fraction of its size on each side (0...1).")
    var margin = RefineOptions().margin

    @Option(help: "UNet base channels (4...64; DVP uses 32).")
    var width = 16

    @Option(help: "UNet levels (2...6).")
    var levels = 5

    @Option(help: "Perceptual features: identity (dlib ResNet stages), vgg19 (needs --vgg-weights) or pixel.")
    var features = "identity"

    @Option(name: .customLong("vgg-weights"), help: "VGG19 weights (safetensors from tools/convert_vgg19.py). Default: NICER_VGG19.")
    var vggWeights: String?

    @Option(help: "Epoch cap (1...1000).")
    var epochs = RefineOptions().epochs

    @Flag(name: .customLong("fixed-epochs"), help: "Train exactly --epochs epochs (no automatic stop; the best epoch is still kept).")
    var fixedEpochs = false

    @Option(name: .customLong("learning-rate"), help: "Adam learning rate (0, 0.1].")
    var learningRate: Float = 2e-4

    @Option(help: "Adam steps per frame of the clip over the whole fit at the epoch cap (0.1...1000): the cost follows the clip; an epoch takes at least 16 steps.")
    var visits = RefineOptions().visits

    @Option(help: "Adam steps per epoch instead of --visits: auto, 0 = every frame once, or N (8...100000) = the next N frames of shuffled passes over the clip.")
    var framesPerEpoch = "auto"

    @Option(help: "Automatic stop: epochs without a score gain above --min-improvement before the full-resolution phase stops (1...100).")
    var patience = RefineOptions().patience

    @Option(name: .customLong("min-improvement"), help: "Automatic stop: smallest score gain in dB that counts as progress (0...10; 0: any).")
    var minImprovement = RefineOptions().minImprovement

    @Option(name: .customLong("segment-length"), help: "Longest clip fitted at once; longer ones go in overlapping segments (16...100000).")
    var segmentLength = 300

    @Option(name: .customLong("pixel-weight"), help: "Weight of the pixel L1 term (>= 0).")
    var pixelWeight: Float = 1

    @Option(name: .customLong("feature-weights"), help: "Weights of the identity stages stem,32,64,128,256 (comma separated, >= 0).")
    var featureWeights = "0.5,0.5,0.25,0.1,0.05"

    @Flag(name: .customLong("no-uncertainty"), help: "Plain L1 losses without the predicted sigma (ablation).")
    var noUncertainty = false

    @Option(name: .customLong("uncertainty-warmup"), help: "Fraction of the half-resolution epochs before σ weights the loss (0...1; 0 = from the first epoch, 1 = from the full-resolution phase).")
    var uncertaintyWarmup = RefineOptions().uncertaintyWarmup

    @Option(name: .customLong("uncertainty-ramp"), help: "Epochs over which σ's range opens once it switches on (0...10; 0 = at once).")
    var uncertaintyRamp = RefineOptions().uncertaintyRamp

    @Option(name: .customLong("coarse-fraction"), help: "Fraction of the epochs trained before the full-size crops (0...1).")
    var coarseFraction = RefineOptions().coarseFraction

    @Option(name: .customLong("coarse-input"), help: "What the first epochs train on: half (the crops at half resolution) or patch (windows of half the crop's side at full resolution).")
    var coarseInput = RefineOptions().coarseInput.rawValue

    @Option(name: .customLong("sigma-feedback"), help: "How hard sigma's log-variance pulls on the features it shares with the RGB mapping (0...1; 1 = one output conv for both).")
    var sigmaFeedback = RefineOptions().sigmaFeedback

    @Flag(name: .customLong("sigma-video"), help: "Also write OUT/sigma.mp4.")
    var sigmaVideo = false

    @Option(help: "x264 quality of refined.mp4: auto (finer than the proxy's own coding, see docs/method.md, \"Output\") or a constant rate factor 0...51 (0: lossless).")
    var crf = "auto"

    @Option(help: "Colour resolution of refined.mp4: auto (4:4:4 when either input has full-resolution colour, else 4:2:0), 420 (plays in browsers) or 444.")
    var chroma = "auto"

    @Option(name: .customLong("still-blend"), help: "How far the refined face holds still where the target does: each frame is blended towards the last written one by this fraction where the target did not change (0...0.99; 0: off).")
    var stillBlend = RefineOptions().stillBlend

    @Option(name: .customLong("pair-correlation"), help: "Least median correlation of target and proxy frames for the proxy to count as a swap of the target; below it refine refuses the pair (0...1; 0: no check).")
    var pairCorrelation = RefineOptions().pairCorrelation

    @Option(help: "Random seed (initial weights and frame order).")
    var seed: UInt64 = 2020

    @Option(help: "3D face prior: auto (FLAME when --flame or NICER_FLAME is given, else the built-in landmark prior), flame, landmarks, none.")
    var prior = "auto"

    @Option(help: "FLAME's generic_model.pkl (user-supplied; see docs/assets.md). Default: NICER_FLAME.")
    var flame: String?

    @Option(name: .customLong("flame-embedding"), help: "FLAME's 68-landmark embedding pickle. Default: NICER_FLAME_EMBEDDING.")
    var flameEmbedding: String?

    @Option(name: .customLong("flame-uv"), help: "FLAME's texture layout, head_template.obj (UV per vertex). Default: NICER_FLAME_UV.")
    var flameUV: String?

    @Option(name: .customLong("flame-albedo"), help: "An albedo space in FLAME's UV layout (FLAME_albedo_from_BFM.npz or FLAME_texture.npz; needs --flame-uv). Default: NICER_FLAME_ALBEDO.")
    var flameAlbedo: String?

    @Option(help: "Albedo-space components used (1...200).")
    var albedoComponents = RefineOptions().albedoComponents

    @Option(help: "Side of the 3D prior's UV map in texels (16...256; ~96 with --flame-uv).")
    var textureSize = RefineOptions().textureSize

    @Option(name: .customLong("albedo-weight"), help: "Weight of the 3D prior's albedo loss (0...100; 0: off).")
    var albedoWeight = RefineOptions().albedoWeight

    @Option(name: .customLong("albedo-tone-radius"), help: "Radius in UV texels of the box the albedo is compared through: skin tone, not features (0...256; at least the UV map's side - 1: the face's mean tone; 0: texel by texel).")
    var albedoToneRadius = RefineOptions().albedoToneRadius

    @Option(name: .customLong("prior-guard"), help: "Train the full-resolution phase again without the 3D prior when the stopped fit's best epoch's correction is below this fraction of the last half-resolution epochs' (0...1; 0: never).")
    var priorGuard = RefineOptions().priorGuard

    @Option(name: .customLong("detail-weight"), help: "Weight of the 3D prior's detail loss (0...100; 0: off).")
    var detailWeight = RefineOptions().detailWeight

    @Option(name: .customLong("shape-weight"), help: "Weight of the 3D prior's photometric shape loss (0...100; 0: off).")
    var shapeWeight = RefineOptions().shapeWeight

    func options() -> RefineOptions {
        var o = RefineOptions()
        switch mask {
        case "auto": o.region = .auto
        case "landmarks": o.region = .landmarks
        case "swap": o.region = .swap
        default: o.region = .masks(mask)
        }
        if let landmarks { o.region = .landmarkFile(landmarks) }
        o.size = size == "auto" ? RefineOptions().size : Int(size) ?? -1
        o.margin = margin
        o.patience = patience
        o.minImprovement = minImprovement
        o.width = width
        o.levels = levels
        o.features = RefineOptions.Features(rawValue: features) ?? .identity
        o.epochs = epochs
        o.stop = fixedEpochs ? .fixed : .automatic
        o.learningRate = learningRate
        o.visits = visits
        o.framesPerEpoch = framesPerEpoch == "auto" ? nil : Int(framesPerEpoch) ?? -1
        o.segmentLength = segmentLength
        o.segmentOverlap = min(o.segmentOverlap, segmentLength / 2)
        o.uncertainty = !noUncertainty
        o.uncertaintyWarmup = uncertaintyWarmup
        o.uncertaintyRamp = uncertaintyRamp
        o.sigmaFeedback = sigmaFeedback
        o.coarseFraction = coarseFraction
        o.coarseInput = RefineOptions.CoarseInput(rawValue: coarseInput) ?? .half
        o.pixelWeight = pixelWeight
        o.featureWeights = featureWeights.split(separator: ",").map { Float($0) ?? -1 }
        o.sigmaVideo = sigmaVideo
        o.seed = seed
        o.pairCorrelation = pairCorrelation
        o.stillBlend = stillBlend
        o.crf = crf == "auto" ? nil : Int(crf) ?? -1
        o.fullChroma = chroma == "444" ? true : chroma == "420" ? false : nil
        o.vggWeights = vggWeights
        o.prior = RefineOptions.FacePriorChoice(rawValue: prior) ?? .auto
        o.flame = flame
        o.flameEmbedding = flameEmbedding
        o.flameUV = flameUV
        o.flameAlbedo = flameAlbedo
        o.albedoComponents = albedoComponents
        o.textureSize = textureSize
        o.albedoWeight = albedoWeight
        o.albedoToneRadius = albedoToneRadius
        o.priorGuard = priorGuard
        o.detailWeight = detailWeight
        o.shapeWeight = shapeWeight
        return o
    }

    func validate() throws {
        guard RefineOptions.Features(rawValue: features) != nil else { throw ValidationError("--features must be identity, vgg19 or pixel") }
        guard ["auto", "420", "444"].contains(chroma) else { throw ValidationError("--chroma must be auto, 420 or 444") }
        guard RefineOptions.FacePriorChoice(rawValue: prior) != nil else { throw ValidationError("--prior must be auto, flame, landmarks or none") }
        guard RefineOptions.CoarseInput(rawValue: coarseInput) != nil else { throw ValidationError("the coarse input must be half or patch (--coarse-input)") }
        let problems = options().problems()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
    }

    func run() throws {
        let options = options()
        let needsModels = options.features == .identity || [.auto, .landmarks].contains(options.region)
        let models = needsModels ? try FaceModels() : try? FaceModels()
        let started = Date()
        let report = try RefineJob.run(
            RefineInputs(target: target, proxy: proxy, proxyName: proxyName, identityPhotos: identityPhotos,
                         identityLandmarks: identityLandmarks, output: out,
                         align: align, resume: resume),
            options: options, models: models,
            progress: { Progress.status($0, since: started) })
        Progress.finish()
        for line in report.summaryLines { print(line) }
        for warning in report.warnings { FileHandle.standardError.write(Data("nicer: warning: \(warning)\n".utf8)) }
        print("wrote \(report.output), report.json, report.html, config.json\(options.preview ? ", preview.mp4" : "")")
    }
}
